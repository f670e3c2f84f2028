import { Readable } from 'node:stream';
import { IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { fetchCredentialReport } from '../../../lambda/aws/credential-report';

/**
 * The report as IAM sends it over the wire (the query protocol's XML, the CSV base64-encoded),
 * through the SDK's real middleware stack: only the HTTP handler is this test's.
 */
function clientAnswering(csv: string, generated: Date) {
  const answers: Record<string, string> = {
    GenerateCredentialReport:
      '<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateCredentialReportResult><State>COMPLETE</State></GenerateCredentialReportResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GenerateCredentialReportResponse>',
    GetCredentialReport: `<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult><Content>${Buffer.from(csv).toString('base64')}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>${generated.toISOString()}</GeneratedTime></GetCredentialReportResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></GetCredentialReportResponse>`,
  };
  return new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async (request: { body?: unknown }) => {
        const action = /Action=(\w+)/.exec(String(request.body))?.[1] ?? '';
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'text/xml' },
            body: Readable.from([Buffer.from(answers[action] ?? '')]),
          },
        };
      },
    },
  });
}

describe('fetchCredentialReport over the wire', () => {
  it('reads the report from the answer’s bytes, and the SDK the rest of it', async () => {
    // A report the size of a 5,000-user account's, with a name holding a comma (quoted).
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `user-${i},arn:aws:iam::123456789012:user/user-${i},${i % 100 === 0},N/A,false,N/A`,
    );
    const csv = [
      'user,arn,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
      '"a,b",arn:aws:iam::123456789012:user/a,b,false,N/A,false,N/A',
      ...rows,
    ].join('\n');
    const generated = new Date(Date.now() - 60_000);

    const report = await fetchCredentialReport(clientAnswering(csv, generated));

    expect(report.csv).toBe(csv);
    expect(report.generatedAt.toISOString()).toBe(generated.toISOString());
  });

  it('still refuses a report older than the reuse window, read from the same answer', async () => {
    const old = new Date(Date.now() - 5 * 3_600_000);

    await expect(fetchCredentialReport(clientAnswering('user,arn\n', old))).rejects.toThrow(
      /older than IAM's four-hour reuse window/,
    );
  });
});
