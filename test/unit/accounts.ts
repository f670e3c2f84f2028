import {
  GetAccountSummaryCommand,
  GetUserCommand,
  IAMClient,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  type SigningCertificate,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { type MockInstance, vi } from 'vitest';
import { ACCOUNT_ID, answerNoOtherCredentials, getUserAnswer, iamUser } from './fixtures';

/**
 * IAM and STS mocked as one account, for a run of the CLI or the engine: `answer` resets both
 * and answers with these users and their certificates, untagged, the root user clean, and the
 * caller in ACCOUNT_ID. Call it in `beforeEach`; the mocks are there for more answers.
 */
export function mockedAccount() {
  const iam = mockClient(IAMClient);
  const sts = mockClient(STSClient);
  return {
    iam,
    sts,
    answer(certificates: Readonly<Record<string, readonly SigningCertificate[]>>): void {
      iam.reset();
      sts.reset();
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT_ID });
      const users = Object.keys(certificates);
      iam
        .on(ListUsersCommand)
        .resolves({ Users: users.map((u) => iamUser(u)), IsTruncated: false });
      for (const user of users) {
        iam
          .on(ListSigningCertificatesCommand, { UserName: user })
          .resolves({ Certificates: [...(certificates[user] ?? [])] });
      }
      iam.on(ListUserTagsCommand).resolves({ Tags: [] });
      answerNoOtherCredentials(iam);
      iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: {} });
      iam.on(GetUserCommand).callsFake(getUserAnswer);
    },
  };
}

/**
 * What the process writes to standard output and error while a test runs (Powertools' logger
 * and its EMF metrics write there), and the JSON lines among it. Call `start` in `beforeEach`
 * and `stop` in `afterEach`.
 */
export function capturedOutput() {
  let output: string[] = [];
  let spies: MockInstance[] = [];
  return {
    start(): void {
      output = [];
      const capture = (chunk: unknown) => {
        output.push(String(chunk));
        return true;
      };
      spies = [
        vi.spyOn(process.stdout, 'write').mockImplementation(capture),
        vi.spyOn(process.stderr, 'write').mockImplementation(capture),
      ];
    },
    stop(): void {
      for (const spy of spies) spy.mockRestore();
    },
    /** Everything written, as one text. */
    text(): string {
      return output.join('');
    },
    /** Every line that is a JSON document, parsed. */
    jsonLines(): Record<string, unknown>[] {
      return output
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}
