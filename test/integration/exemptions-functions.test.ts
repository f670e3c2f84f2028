import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkExemptions, exemptionsFileOf } from '../../lambda/core/exemptions';
import { POLICY_DEFAULTS, toEnvironment } from '../../lambda/core/settings';
import { EXEMPTIONS_FILE_ENV } from '../../lambda/handlers/exemptions-env';
import { periodicRuleEvent } from '../../tools/emulator/config-rule-event';
import { createMailbox, seedUsers } from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeConfigRule, invokeHandler } from './harness';

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
