import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AuditorStack } from '../../lib/auditor-stack';
import { OrgAuditorStack } from '../../lib/org-auditor-stack';
import { createApp, errorOf } from './helpers';

/** The app as bin/app.ts builds it: the stack and the AwsSolutions checks as a validation plugin. */
function nagApp(context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = createApp(context);
  const stack =
    context.deployment === 'organization'
      ? new OrgAuditorStack(app, 'NagTest')
      : new AuditorStack(app, 'NagTest');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** An exemptions file whose one entry ends within the default limit from any day this runs. */
const EXEMPTIONS = join(mkdtempSync(join(tmpdir(), 'nag-exemptions-')), 'exemptions.json');
writeFileSync(
  EXEMPTIONS,
  JSON.stringify({
    exemptions: [
      {
        user: 'build-bot',
        reason: 'vendor appliance',
        approvedBy: 'sec@example.com',
        expires: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      },
    ],
  }),
);

describe('cdk-nag AwsSolutions checks', () => {
  it.each<[string, Record<string, unknown>]>([
    ['report mode (the default)', {}],
    ['deactivate mode', { mode: 'deactivate' }],
    [
      'delete mode under a path, with subscribers',
      {
        mode: 'delete',
        userPathPrefix: '/engineering/',
        notificationEmails: 'sec@example.com',
      },
    ],
    ['an existing topic', { topicArn: 'arn:aws:sns:us-east-1:123456789012:findings' }],
    ['the AWS Config rule, in delete mode', { configRule: true, mode: 'delete' }],
    [
      'an exemptions file, with the Config rule and the real-time audit',
      { exemptionsFile: EXEMPTIONS, configRule: true, realtime: true },
    ],
    [
      'the organization, selected by OUs',
      {
        deployment: 'organization',
        organizationId: 'o-a1b2c3d4e5',
        memberTargets: 'r-ab12',
        includeOus: 'ou-ab12-abcdefgh',
        excludeOus: 'ou-ab12-hgfedcba',
      },
    ],
  ])('pass for %s: synth succeeds and no finding is left, warnings included', (_, context) => {
    // Prepare
    const { app } = nagApp(context);

    // Act: synth throws when a plugin reports an unacknowledged error.
    app.synth();
    // Warnings do not stop synth, so ask the pack directly for everything it still reports.
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('fail synth on an unacknowledged finding (the check above can fail)', () => {
    // Prepare: a queue with neither TLS enforcement nor a DLQ, and no acknowledgement.
    const { app, stack } = nagApp();
    new sqs.Queue(stack, 'Unchecked');

    // Act
    const error = errorOf(() => app.synth());
    const report = new AwsSolutionsChecks().validateScope(app);

    // Assess
    expect(error.message).toMatch(/validation/i);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });

  it('state a reason for every acknowledgement', () => {
    // Prepare
    const { stack } = nagApp({ mode: 'delete' });

    // Act
    const acknowledgements = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    // Assess
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect(id).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
