import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkExemptions, exemptionsFileOf } from '../../lambda/core/exemptions';
import { POLICY_DEFAULTS, toEnvironment } from '../../lambda/core/settings';
import { EXEMPTIONS_FILE_ENV } from '../../lambda/handlers/exemptions-env';
import { cloudTrailEvent } from '../../tools/emulator/cloudtrail-events';
import { periodicRuleEvent } from '../../tools/emulator/config-rule-event';
import { createMailbox, seedUsers } from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeConfigRule, invokeHandler, invokeRealtime } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'exemptions-functions-'));
const day = (daysFromNow: number) =>
  new Date(Date.now() + daysFromNow * 86_400_000).toISOString().slice(0, 10);

/** The file the constructs write into the functions' layer, from these entries. */
function layerFile(entries: Record<string, string>[]): string {
  const list = checkExemptions({ exemptions: entries }, { source: 'test', now: new Date() });
  const path = join(dir, `exemptions-${entries.length}.json`);
  writeFileSync(path, JSON.stringify(exemptionsFileOf(list)));
  return path;
}

beforeEach(async () => {
  await resetMoto(endpoint);
  await seedUsers(clients.iam, endpoint, [
    { userName: 'alice', certificates: [{ ageDays: 400 }] },
    { userName: 'bob', certificates: [{ ageDays: 400 }] },
  ]);
});

describe('the functions read the exemptions the constructs hand them', () => {
  const entry = {
    user: 'alice',
    reason: 'vendor appliance',
    approvedBy: 'security@example.com',
    expires: day(30),
  };

  it('the scheduled function and the Config rule exempt what the file names, and only that', async () => {
    const mailbox = await createMailbox(clients);
    const file = layerFile([entry]);

    const summary = await invokeHandler({
      TOPIC_ARN: mailbox.topicArn,
      [EXEMPTIONS_FILE_ENV]: file,
    });
    // Control: the same account without the file has both users non-compliant.
    const plain = await invokeHandler({ TOPIC_ARN: mailbox.topicArn });

    expect([summary.exempt, summary.nonCompliant]).toEqual([1, 1]);
    expect([plain.exempt, plain.nonCompliant]).toEqual([0, 2]);

    const rule = await invokeConfigRule(
      {
        ...toEnvironment({
          ...POLICY_DEFAULTS,
          deleteAfterDays: POLICY_DEFAULTS.maxAgeDays,
          mode: 'report',
          scanStrategy: 'full',
        }),
        [EXEMPTIONS_FILE_ENV]: file,
      },
      periodicRuleEvent(),
    );
    const compliance = rule.requests
      .flatMap((r) => r.Evaluations ?? [])
      .map((e) => e.ComplianceType)
      .sort();
    expect(compliance).toEqual(['COMPLIANT', 'NON_COMPLIANT']);
  }, 120_000);

  it('the real-time function never switches off what the file exempts, and does the rest', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'exemptions-archive' }));
    const env = {
      MODE: 'deactivate',
      ARCHIVE_BUCKET: 'exemptions-archive',
      CREDENTIAL_KINDS: 'signing-certificate',
      REALTIME_WINDOW_MAX_ACTIONS: '25',
      REALTIME_WINDOW_MINUTES: '60',
      TOPIC_ARN: (await createMailbox(clients)).topicArn,
      [EXEMPTIONS_FILE_ENV]: layerFile([entry]),
    };
    const upload = (userName: string) =>
      cloudTrailEvent({
        eventName: 'UploadSigningCertificate',
        requestParameters: { userName, certificateBody: '-----BEGIN CERTIFICATE-----…' },
      });

    const alice = await invokeRealtime(env, upload('alice'));
    // Control: bob, whom no entry names, is deactivated by the same function.
    const bob = await invokeRealtime(env, upload('bob'));

    const summaryOf = (output: typeof alice) =>
      'audited' in output ? output.audited[0]?.summary : undefined;
    expect(summaryOf(alice)).toMatchObject({ exempt: 1, deactivated: 0 });
    expect(summaryOf(bob)).toMatchObject({ exempt: 0, deactivated: 1 });
  }, 120_000);

  it('fails the cold start, naming the variable, when the file is missing or altered', async () => {
    const mailbox = await createMailbox(clients);
    await expect(
      invokeHandler({
        TOPIC_ARN: mailbox.topicArn,
        [EXEMPTIONS_FILE_ENV]: join(dir, 'absent.json'),
      }),
    ).rejects.toThrow(/EXEMPTIONS_FILE=.*absent\.json could not be read as JSON/);
    const altered = join(dir, 'altered.json');
    writeFileSync(altered, JSON.stringify({ exemptions: [{ ...entry, approvedBy: undefined }] }));
    await expect(
      invokeHandler({ TOPIC_ARN: mailbox.topicArn, [EXEMPTIONS_FILE_ENV]: altered }),
    ).rejects.toThrow(/entry 1 \(user alice\): approvedBy is missing/);
  }, 60_000);
});
