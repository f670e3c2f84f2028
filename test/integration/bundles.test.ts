import { beforeEach, describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, toEnvironment } from '../../lambda/core/settings';
import { bundleRuns, runsBundles } from '../../tools/emulator/bundles';
import { periodicRuleEvent } from '../../tools/emulator/config-rule-event';
import { createMailbox, seedUsers } from '../../tools/emulator/emulator';
import { resetMoto } from '../../tools/emulator/moto';
import { clients, endpoint, invokeConfigRule, invokeHandler } from './harness';

/**
 * The emulator suites run the functions as the constructs deploy them: the pre-built handler
 * bundles (dist/handlers/), each in a process of its own, on the Node.js that CI names with
 * SIGNING_CERT_AUDIT_NODE (one of the Lambda runtimes the construct may choose) and
 * SIGNING_CERT_AUDIT_NODE_MAJOR. This file checks that they really did.
 */
beforeEach(async () => {
  await resetMoto(endpoint);
});

describe('the pre-built handlers, on the Node.js under test', () => {
  it('runs the scheduled function and the Config rule from their bundles, on the Node.js CI names', async () => {
    await seedUsers(clients.iam, endpoint, [
      { userName: 'alice', certificates: [{ ageDays: 400 }] },
    ]);
    const mailbox = await createMailbox(clients);
    bundleRuns.length = 0;

    const summary = await invokeHandler({ TOPIC_ARN: mailbox.topicArn });
    const rule = await invokeConfigRule(
      toEnvironment({
        ...POLICY_DEFAULTS,
        deleteAfterDays: POLICY_DEFAULTS.maxAgeDays,
        mode: 'report',
        scanStrategy: 'full',
      }),
      periodicRuleEvent(),
    );

    expect(runsBundles()).toBe(true);
    expect(summary.nonCompliant).toBe(1);
    expect(rule.requests.length).toBe(1);
    expect(bundleRuns.map((run) => run.asset)).toEqual([
      'scheduled-without-security-hub',
      'config-rule',
    ]);
    const major = process.env.SIGNING_CERT_AUDIT_NODE_MAJOR ?? process.versions.node.split('.')[0];
    for (const run of bundleRuns) expect(run.node).toMatch(new RegExp(`^v${major}\\.`));
  });
});
