import Papa from 'papaparse';
import { SigningCertAuditError } from './errors';

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
const USER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:user(\/.*)$/;

/**
 * Parses the credential report with a maintained CSV parser (papaparse: IAM user names may hold
 * commas, which the report quotes), skipping the root row. Throws a CredentialReportFormatError
 * naming the problem when a column is missing or a row cannot be read: the caller then falls
 * back to a full scan rather than trust part of it.
 */
export function parseCredentialReport(csv: string): CredentialReportUser[] {
  const parsed = Papa.parse<Record<string, string>>(csv.trim(), {
    header: true,
    skipEmptyLines: true,
  });
  const columns = parsed.meta.fields ?? [];
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new CredentialReportFormatError(
      `unexpected header: no ${missing.join(', ')} column (found ${columns.slice(0, 6).join(',')}…)`,
    );
  }
  const [error] = parsed.errors;
  if (error) {
    throw new CredentialReportFormatError(
      `unparseable row ${(error.row ?? 0) + 2}: ${error.message}`,
    );
  }
  const users: CredentialReportUser[] = [];
  for (const [index, row] of parsed.data.entries()) {
    if (row.user === ROOT_ROW) continue;
    const where = `row ${index + 2}`;
    const arn = USER_ARN.exec(row.arn ?? '');
    if (!row.user || !arn?.[1]) {
      throw new CredentialReportFormatError(`unparseable ${where}: no user name or user ARN`);
    }
    const qualified = arn[1];
    if (!qualified.endsWith(`/${row.user}`)) {
      throw new CredentialReportFormatError(`unparseable ${where}: the ARN does not name the user`);
    }
    users.push({
      userName: row.user,
      userArn: row.arn as string,
      path: qualified.slice(0, qualified.length - row.user.length),
      activeCertificates: [row.cert_1_active, row.cert_2_active].filter((value) =>
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
