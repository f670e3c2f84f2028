import { csvParseRows } from 'd3-dsv';
import { SigningCertAuditError } from './errors';
import { USER_ARN } from './patterns';

/**
 * What IAM's credential report says about one user, for the signing-certificate columns. From
 * the IAM User Guide, "Getting credential reports for your AWS account"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html):
 * `cert_N_active` is TRUE only when the user has an N-th signing certificate and its status is
 * Active; `cert_N_last_rotated` is N/A when the user has no active one. So the report reveals
 * every user holding a usable certificate and hides users whose certificates are all Inactive.
 */
export interface CredentialReportUser {
  readonly userName: string;
  readonly userArn: string;
  /** The user's IAM path, read from its ARN (`/` when it has none). */
  readonly path: string;
  /** How many of `cert_1_active`, `cert_2_active` are TRUE. */
  readonly activeCertificates: number;
}

/** The report could not be used: it is not the documented CSV. */
export class CredentialReportFormatError extends SigningCertAuditError {
  override readonly name = 'CredentialReportFormatError';
}

/** The columns the prefilter reads; the report has many more. */
const REQUIRED_COLUMNS = ['user', 'arn', 'cert_1_active', 'cert_2_active'] as const;
/** The row of the account's root user, which ListUsers never returns either. */
const ROOT_ROW = '<root_account>';

/**
 * Parses the credential report with a maintained CSV parser (d3-dsv, RFC 4180: IAM user names
 * may hold commas, which the report quotes), skipping the root row. Throws a CredentialReportFormatError
 * naming the problem when a column is missing or a row cannot be read: the caller then falls
 * back to a full scan rather than trust part of it.
 */
export function parseCredentialReport(csv: string): CredentialReportUser[] {
  const [columns = [], ...rows] = csvParseRows(csv.trim());
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new CredentialReportFormatError(
      `unexpected header: no ${missing.join(', ')} column (found ${columns.slice(0, 6).join(',')}…)`,
    );
  }
  const at = Object.fromEntries(
    REQUIRED_COLUMNS.map((column) => [column, columns.indexOf(column)]),
  );
  const users: CredentialReportUser[] = [];
  for (const [index, fields] of rows.entries()) {
    const where = `row ${index + 2}`;
    // A row of another width is one whose quoting went wrong (an unquoted comma in a name).
    if (fields.length !== columns.length) {
      throw new CredentialReportFormatError(
        `unparseable ${where}: ${fields.length} fields where the header has ${columns.length}`,
      );
    }
    const field = (column: (typeof REQUIRED_COLUMNS)[number]) => fields[at[column] ?? -1] ?? '';
    const userName = field('user');
    if (userName === ROOT_ROW) continue;
    const arn = USER_ARN.exec(field('arn'));
    if (!userName || !arn?.[1]) {
      throw new CredentialReportFormatError(`unparseable ${where}: no user name or user ARN`);
    }
    const qualified = arn[1];
    if (!qualified.endsWith(`/${userName}`)) {
      throw new CredentialReportFormatError(`unparseable ${where}: the ARN does not name the user`);
    }
    users.push({
      userName,
      userArn: field('arn'),
      path: qualified.slice(0, qualified.length - userName.length),
      activeCertificates: [field('cert_1_active'), field('cert_2_active')].filter((value) =>
        isTrue(value, where),
      ).length,
    });
  }
  return users;
}

function isTrue(value: string | undefined, where: string): boolean {
  const normalized = value?.trim().toLowerCase();
  if (normalized === 'true') return true;
  if (normalized === 'false') return false;
  throw new CredentialReportFormatError(
    `unparseable ${where}: a cert_N_active value is ${JSON.stringify(value)}, not true or false`,
  );
}
