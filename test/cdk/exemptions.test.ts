import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AuditorStack } from '../../lib/auditor-stack';
import { EXEMPTIONS_LAYER_PATH } from '../../lib/exemptions';
import { OrgAuditorStack } from '../../lib/org-auditor-stack';
import { SigningCertAuditor } from '../../lib/signing-cert-auditor';
import { createApp, createOrgApp, errorOf } from './helpers';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const dir = mkdtempSync(join(tmpdir(), 'cdk-exemptions-'));
/** An exemptions file; its one entry ends within the default limit from any day these tests run. */
function exemptionsFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const GOOD = exemptionsFile(
  'good.yaml',
  `exemptions:\n  - user: build-bot\n    reason: vendor appliance\n    approvedBy: sec@example.com\n    ticket: SEC-1\n    expires: '${new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)}'\n`,
);

/** Each function's logical id with its layers and whether its environment names the file. */
function functions(template: Template) {
  const resources = template.toJSON().Resources as Resources;
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => {
      const props = r.Properties as {
        Layers?: unknown[];
        Environment?: { Variables?: Record<string, string> };
      };
      return {
        id,
        layers: props.Layers?.length ?? 0,
        file: props.Environment?.Variables?.EXEMPTIONS_FILE,
      };
    });
}

/** Every IAM policy statement in the template, as JSON text, for comparing grants. */
function statements(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap(
      (r) =>
        (r.Properties?.PolicyDocument as { Statement: unknown[] } | undefined)?.Statement ?? [],
    )
    .map((statement) => JSON.stringify(statement))
    .sort();
}

describe('the exemptions file in the constructs', () => {
  it('gives every function that audits the layer and its variable, and no grant', () => {
    const context = { configRule: true, realtime: true };
    const template = Template.fromStack(
      new AuditorStack(createApp({ ...context, exemptionsFile: GOOD }), 'Test'),
    );
    const without = Template.fromStack(new AuditorStack(createApp(context), 'Test'));

    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    const audited = functions(template).filter((f) => f.file !== undefined);
    expect(audited.map((f) => [f.layers, f.file])).toEqual([
      [1, EXEMPTIONS_LAYER_PATH],
      [1, EXEMPTIONS_LAYER_PATH],
      [1, EXEMPTIONS_LAYER_PATH],
    ]);
    // The scheduled, the Config rule's and the real-time function: every one that judges credentials.
    expect(audited.map((f) => f.id).join(' ')).toMatch(/Function.*ConfigRule.*Realtime/);
    // Control: without the file, no function has a layer or the variable.
    without.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    expect(functions(without).filter((f) => f.file !== undefined || f.layers > 0)).toEqual([]);
    // Lambda reads its own account's layer with no grant: the roles are exactly as without.
    expect(statements(template)).toEqual(statements(without));
  });

  it('refuses a bad entry at synth, naming the file and the entry', () => {
    const bad = exemptionsFile(
      'bad.yaml',
      'exemptions:\n  - user: build-bot\n    reason: vendor appliance\n    expires: 2027-01-01\n',
    );
    const error = errorOf(() => new AuditorStack(createApp({ exemptionsFile: bad }), 'Test'));
    expect(error.message).toContain(
      `exemptions file ${bad}: entry 1 (user build-bot): approvedBy is missing`,
    );
  });

  it('gives the organization worker the layer', () => {
    const template = Template.fromStack(
      new OrgAuditorStack(createOrgApp({ exemptionsFile: GOOD }), 'Org'),
    );
    const audited = functions(template).filter((f) => f.file !== undefined);
    expect(audited.map((f) => f.id)).toEqual([expect.stringMatching(/Worker/)]);
    expect(audited[0]?.layers).toBe(1);
  });

  it('takes the entries themselves as the prop, and refuses a bad one naming it', () => {
    const stack = new Stack(new App(), 'Entries');
    const auditor = new SigningCertAuditor(stack, 'Auditor', {
      exemptions: [
        {
          user: 'build-bot',
          reason: 'vendor appliance',
          approvedBy: 'sec@example.com',
          expires: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
        },
      ],
    });
    expect(auditor.exemptions?.list.entries.map((e) => [e.entry, e.user])).toEqual([
      [1, 'build-bot'],
    ]);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::LayerVersion', 1);

    const error = errorOf(
      () =>
        new SigningCertAuditor(new Stack(new App(), 'Bad'), 'Auditor', {
          maxExemptionDays: 30,
          exemptions: [{ user: 'x', reason: 'r', approvedBy: 'me', expires: '2999-01-01' }],
        }),
    );
    expect(error.message).toContain(
      'exemptions file the exemptions prop: entry 1 (user x): expires=2999-01-01 is not allowed: it is more than 30 days from now',
    );
  });
});
