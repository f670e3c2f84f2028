import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CREDENTIAL_REPORT_MAX_AGE_MS,
  CredentialReportUnavailableError,
  fetchCredentialReport,
} from '../../../lambda/aws/credential-report';

const iamMock = mockClient(IAMClient);
const GENERATED = new Date('2026-11-23T05:00:00Z');

/** A clock that the sleeps move, so waiting takes no real time. */
function manualClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

beforeEach(() => {
  iamMock.reset();
  iamMock.on(GetCredentialReportCommand).resolves({
    Content: new TextEncoder().encode('user,arn\n'),
    GeneratedTime: GENERATED,
    ReportFormat: 'text/csv',
  });
});

describe('fetchCredentialReport', () => {
  it('asks again until the report is COMPLETE, then reads it', async () => {
    iamMock
      .on(GenerateCredentialReportCommand)
      .resolvesOnce({ State: 'STARTED' })
      .resolvesOnce({ State: 'INPROGRESS' })
      .resolves({ State: 'COMPLETE' });
    const time = manualClock();

    const report = await fetchCredentialReport(new IAMClient({}), { ...time, pollMs: 1_000 });

    expect(report).toEqual({ generatedAt: GENERATED, csv: 'user,arn\n' });
    expect(iamMock).toReceiveCommandTimes(GenerateCredentialReportCommand, 3);
    expect(time.sleeps).toEqual([1_000, 1_000]);
  });

  it('gives up at the bound, saying so', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    const time = manualClock();

    const fetch = fetchCredentialReport(new IAMClient({}), {
      ...time,
      pollMs: 2_000,
      maxWaitMs: 10_000,
    });

    await expect(fetch).rejects.toThrow(CredentialReportUnavailableError);
    await expect(
      fetchCredentialReport(new IAMClient({}), {
        ...manualClock(),
        pollMs: 2_000,
        maxWaitMs: 10_000,
      }),
    ).rejects.toThrow('the credential report was not ready within 10 s (State INPROGRESS)');
    expect(iamMock).not.toReceiveCommand(GetCredentialReportCommand);
  });

  it('turns a refusal into an unavailable report naming the code', async () => {
    iamMock
      .on(GenerateCredentialReportCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    await expect(fetchCredentialReport(new IAMClient({}), manualClock())).rejects.toThrow(
      'AccessDenied: not authorized',
    );
  });

  it('refuses a report that is not CSV', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock
      .on(GetCredentialReportCommand)
      .resolves({ Content: new Uint8Array(), ReportFormat: 'application/pdf' as 'text/csv' });

    await expect(fetchCredentialReport(new IAMClient({}), manualClock())).rejects.toThrow(
      /returned no CSV \(ReportFormat application\/pdf\)/,
    );
  });

  it('stops waiting when the run is stopped', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    const stop = new AbortController();
    stop.abort('deadline');

    await expect(
      fetchCredentialReport(new IAMClient({}), { ...manualClock(), stop: stop.signal }),
    ).rejects.toThrow('the run was stopped');
  });

  it('refuses a report older than IAM’s four-hour reuse window, and takes one just inside it', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    const at = (ms: number) => ({ now: () => GENERATED.getTime() + ms });

    const inside = await fetchCredentialReport(new IAMClient({}), at(CREDENTIAL_REPORT_MAX_AGE_MS));
    const stale = fetchCredentialReport(new IAMClient({}), at(3 * 86_400_000));

    expect(inside.generatedAt).toEqual(GENERATED);
    await expect(stale).rejects.toThrow(CredentialReportUnavailableError);
    await expect(stale).rejects.toThrow(
      /^the credential report was generated at 2026-11-23T05:00:00.000Z, 72 hours before this run, older than IAM's four-hour reuse window/,
    );
  });
});
