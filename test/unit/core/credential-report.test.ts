import { describe, expect, it } from 'vitest';
import {
  CredentialReportFormatError,
  parseCredentialReport,
} from '../../../lambda/core/credential-report';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const FILLER = Array(16).fill('N/A').join(',');
const row = (user: string, arn: string, cert1: string, cert2: string) =>
  `${user},${arn},${FILLER},${cert1},${cert2}`;
const ACCOUNT = 'arn:aws:iam::123456789012';

describe('parseCredentialReport', () => {
  it('reads each user, its path from the ARN and how many Active certificates it has', () => {
    const csv = [
      HEADER,
      row('<root_account>', `${ACCOUNT}:root`, 'true,2020-01-01T00:00:00+00:00', 'false,N/A'),
      row('alice', `${ACCOUNT}:user/alice`, 'true,2024-01-01T00:00:00+00:00', 'false,N/A'),
      row('bob', `${ACCOUNT}:user/robots/eu/bob`, 'false,N/A', 'TRUE,2024-01-01T00:00:00+00:00'),
      row('carol', `${ACCOUNT}:user/carol`, 'false,N/A', 'false,N/A'),
      // A user name may hold a comma: IAM quotes it, and the parser must read it whole.
      row(
        '"o,brien"',
        `"${ACCOUNT}:user/ops/o,brien"`,
        'true,2024-01-01T00:00:00+00:00',
        'true,2024-02-01T00:00:00+00:00',
      ),
    ].join('\n');

    expect(parseCredentialReport(csv)).toEqual([
      { userName: 'alice', userArn: `${ACCOUNT}:user/alice`, path: '/', activeCertificates: 1 },
      {
        userName: 'bob',
        userArn: `${ACCOUNT}:user/robots/eu/bob`,
        path: '/robots/eu/',
        activeCertificates: 1,
      },
      { userName: 'carol', userArn: `${ACCOUNT}:user/carol`, path: '/', activeCertificates: 0 },
      {
        userName: 'o,brien',
        userArn: `${ACCOUNT}:user/ops/o,brien`,
        path: '/ops/',
        activeCertificates: 2,
      },
    ]);
  });

  it('reads a report of no users but root as no users', () => {
    const csv = `${HEADER}\n${row('<root_account>', `${ACCOUNT}:root`, 'false,N/A', 'false,N/A')}\n`;

    expect(parseCredentialReport(csv)).toEqual([]);
  });

  it.each([
    [
      'a missing column',
      'user,arn,cert_1_active\nalice,x,true',
      /unexpected header: no cert_2_active column/,
    ],
    [
      'a comma name that was not quoted',
      `${HEADER}\n${row('o,brien', `${ACCOUNT}:user/o,brien`, 'true,N/A', 'false,N/A')}`,
      /unparseable row 2/,
    ],
    [
      'a value that is neither true nor false',
      `${HEADER}\n${row('alice', `${ACCOUNT}:user/alice`, 'yes,N/A', 'false,N/A')}`,
      /row 2: a cert_N_active value is "yes", not true or false/,
    ],
    [
      'an ARN that is not a user',
      `${HEADER}\n${row('alice', `${ACCOUNT}:role/alice`, 'true,N/A', 'false,N/A')}`,
      /row 2: no user name or user ARN/,
    ],
    ['not a CSV at all', '<html>oops</html>', /unexpected header/],
  ])('refuses %s, naming the problem', (_case, csv, message) => {
    expect(() => parseCredentialReport(csv)).toThrow(CredentialReportFormatError);
    expect(() => parseCredentialReport(csv)).toThrow(message);
  });
});
