import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it, vi } from 'vitest';
import type { Mode } from '../../lambda/core/settings';
import { KIND_INDEX } from '../../lambda/kinds';
import type { CredentialKind } from '../../lambda/kinds/kind';
import { AuditorStack } from '../../lib/auditor-stack';
import { MemberRoleStack } from '../../lib/member-role';
import { TEST_KEY, TEST_TOKEN } from '../unit/kinds/test-kinds';
import { createApp, functionPermissions, synthStack } from './helpers';

// The kind table with two test-only kinds added, as a new kind's lines would add them (its type,
// its words, its module in the index): a per-user kind restore can upload again (as SSH public
// keys are), and an account-wide one whose deletion is final (as service-specific credentials
// are). Their actions exist nowhere else: every grant of one below comes from the table. Their
// words are the dashboard's (a chart line per kind), as they are the outputs'.
vi.mock('../../lambda/core/credential', async (original) =>
  (await import('../unit/kinds/test-kinds')).addTestKinds.credential(original),
);
vi.mock('../../lambda/core/credential-wording', async (original) =>
  (await import('../unit/kinds/test-kinds')).addTestKinds.wording(original),
);
vi.mock('../../lambda/kinds/index', async (original) =>
  (await import('../unit/kinds/test-kinds')).addTestKinds.index(original),
);

const USERS = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/*';
const ROBOTS = 'arn:{AWS::Partition}:iam::{AWS::AccountId}:user/robots/*';
const EVERY_KIND = KIND_INDEX.map((kind) => kind.type).join(',');
const kindOfType = (type: string) =>
  KIND_INDEX.find((kind) => kind.type === type) as CredentialKind;
const writesOf = (kind: CredentialKind) => [...kind.actions.deactivate, ...kind.actions.delete];
/** Every write action of every kind: what a report-mode role holds none of. */
const EVERY_WRITE = KIND_INDEX.flatMap((kind) => [...writesOf(kind), ...kind.actions.restore]);
/** The actions only restore takes (uploads): no deployed role holds one, in any mode. */
const RESTORE_ONLY = KIND_INDEX.flatMap((kind) =>
  kind.actions.restore.filter((action) => !writesOf(kind).includes(action)),
);

/** The audit function's permissions, synthesized with this context (as `cdk synth -c …`). */
const permissionsWith = (context: Record<string, unknown>) =>
  functionPermissions(synthStack(context), 'AuditorFunction');

/** The member template's permissions, as its role holds them. */
function memberPermissions(policy: ConstructorParameters<typeof MemberRoleStack>[2]['policy']) {
  const template = Template.fromStack(new MemberRoleStack(new App(), 'Member', { policy }));
  const permissions: Record<string, unknown[]> = {};
  for (const document of Object.values(template.findResources('AWS::IAM::Policy'))) {
    for (const statement of document.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[]) {
      for (const action of [statement.Action].flat()) {
        permissions[action] = [...(permissions[action] ?? []), statement.Resource];
      }
    }
  }
  return permissions;
}

describe('the kind table the grants follow (with two test-only kinds)', () => {
  it('holds every real kind and the test kinds', () => {
    expect(KIND_INDEX.map((kind) => kind.type)).toEqual(
      expect.arrayContaining(['signing-certificate', TEST_KEY, TEST_TOKEN]),
    );
  });
});

describe('report mode', () => {
  it('reads every kind credentialKinds names, and holds no write action of any kind', () => {
    const permissions = permissionsWith({
      mode: 'report',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
    });

    for (const kind of KIND_INDEX) {
      for (const action of kind.actions.read) {
        expect(permissions[action], action).toEqual([kind.listing === 'per-user' ? USERS : '*']);
      }
    }
    expect(Object.keys(permissions).filter((action) => EVERY_WRITE.includes(action))).toEqual([]);
    expect(permissions).not.toHaveProperty('iam:GetUser');
  });

  it('control: the same kinds in delete mode do hold write actions of every kind', () => {
    const permissions = permissionsWith({
      mode: 'delete',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
      deleteServiceCredentials: true,
    });

    for (const kind of KIND_INDEX) {
      expect(writesOf(kind).filter((action) => !(action in permissions))).toEqual([]);
    }
  });

  it('reads no kind that credentialKinds leaves out (control: one it names)', () => {
    const permissions = permissionsWith({ credentialKinds: `signing-certificate,${TEST_TOKEN}` });

    for (const action of kindOfType(TEST_KEY).actions.read) {
      expect(permissions).not.toHaveProperty(action);
    }
    expect(permissions['iam:ListMFADevices']).toEqual(['*']);
    expect(permissions['iam:ListSigningCertificates']).toEqual([USERS]);
  });
});

describe('deactivate mode', () => {
  it('adds the deactivate actions of the kinds remediateKinds names, and GetUser, on users under the path', () => {
    const permissions = permissionsWith({
      mode: 'deactivate',
      credentialKinds: EVERY_KIND,
      remediateKinds: TEST_KEY,
    });

    expect(permissions['iam:UpdateAccessKey']).toEqual([USERS]);
    expect(permissions['iam:GetUser']).toEqual([USERS]);
    // Control: the kinds it does not name keep their reads and get no write.
    expect(permissions['iam:ListSigningCertificates']).toEqual([USERS]);
    expect(permissions['iam:ListMFADevices']).toEqual(['*']);
    for (const action of [
      'iam:UpdateSigningCertificate',
      'iam:DeactivateMFADevice',
      'iam:DeleteAccessKey',
      'iam:DeleteSigningCertificate',
      'iam:DeleteLoginProfile',
    ]) {
      expect(permissions).not.toHaveProperty(action);
    }
  });

  it('refuses to synthesize a kind named to be changed that is not read (control: read, it is changed)', () => {
    const unread = () =>
      permissionsWith({
        mode: 'deactivate',
        credentialKinds: 'signing-certificate',
        remediateKinds: `signing-certificate,${TEST_KEY}`,
      });
    const read = permissionsWith({
      mode: 'deactivate',
      credentialKinds: `signing-certificate,${TEST_KEY}`,
      remediateKinds: `signing-certificate,${TEST_KEY}`,
    });

    expect(unread).toThrow(`${TEST_KEY} is not read`);
    expect(read['iam:UpdateAccessKey']).toEqual([USERS]);
  });

  it('keeps the default, signing certificates only, changing no other kind', () => {
    const permissions = permissionsWith({ mode: 'deactivate', credentialKinds: EVERY_KIND });

    expect(
      Object.keys(permissions).filter(
        (action) => EVERY_WRITE.includes(action) && action !== 'iam:UpdateSigningCertificate',
      ),
    ).toEqual([]);
    expect(permissions['iam:UpdateSigningCertificate']).toEqual([USERS]);
  });
});

describe('delete mode', () => {
  it('adds the delete actions of the kinds remediateKinds names, but not of a kind whose deletion is final', () => {
    const permissions = permissionsWith({
      mode: 'delete',
      userPathPrefix: '/robots/',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
    });

    for (const action of [
      'iam:UpdateSigningCertificate',
      'iam:DeleteSigningCertificate',
      'iam:UpdateAccessKey',
      'iam:DeleteAccessKey',
      'iam:DeactivateMFADevice',
      'iam:GetUser',
    ]) {
      expect(permissions[action], action).toEqual([ROBOTS]);
    }
    expect(permissions).not.toHaveProperty('iam:DeleteLoginProfile');
  });

  it('deletes a kind whose deletion is final only with deleteServiceCredentials (the control above has it off)', () => {
    const permissions = permissionsWith({
      mode: 'delete',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
      deleteServiceCredentials: true,
    });

    expect(permissions['iam:DeleteLoginProfile']).toEqual([USERS]);
  });

  it('gives deleteServiceCredentials no grant outside delete mode', () => {
    const permissions = permissionsWith({
      mode: 'deactivate',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
      deleteServiceCredentials: true,
    });

    expect(permissions['iam:DeactivateMFADevice']).toEqual([USERS]);
    expect(permissions).not.toHaveProperty('iam:DeleteLoginProfile');
  });
});

describe('restore', () => {
  it.each<Mode>(['report', 'deactivate', 'delete'])(
    'is never granted to the function (%s mode): only the operator uploads',
    (mode) => {
      const permissions = permissionsWith({
        mode,
        credentialKinds: EVERY_KIND,
        remediateKinds: EVERY_KIND,
        deleteServiceCredentials: true,
      });

      // The list can fail: the test key's upload is one of them.
      expect(RESTORE_ONLY).toEqual(
        expect.arrayContaining(['iam:UploadSigningCertificate', 'iam:CreateAccessKey']),
      );
      expect(Object.keys(permissions).filter((action) => RESTORE_ONLY.includes(action))).toEqual(
        [],
      );
    },
  );
});

describe('the Config rule’s role', () => {
  it('reads every kind credentialKinds names and changes none, in delete mode too', () => {
    const template = synthStack({
      configRule: true,
      mode: 'delete',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
      deleteServiceCredentials: true,
    });
    const rule = functionPermissions(template, 'ConfigRuleFunction');
    // Control: the audit function beside it, in the same deployment, does change them.
    const audit = functionPermissions(template, 'AuditorFunction');

    for (const kind of KIND_INDEX) {
      for (const action of kind.actions.read) expect(rule, action).toHaveProperty(action);
    }
    expect(Object.keys(rule).filter((action) => EVERY_WRITE.includes(action))).toEqual([]);
    expect(rule).not.toHaveProperty('iam:GetUser');
    expect(Object.keys(audit).filter((action) => EVERY_WRITE.includes(action)).length).toBe(
      KIND_INDEX.flatMap(writesOf).length,
    );
  });
});

describe('the member role', () => {
  it('holds what the function holds, per mode and kinds (no write in report mode)', () => {
    const kinds = {
      userPathPrefix: '/',
      scanStrategy: 'full' as const,
      credentialKinds: KIND_INDEX.map((kind) => kind.type),
      remediateKinds: [TEST_KEY],
    };

    const report = memberPermissions({ mode: 'report', ...kinds });
    const deactivate = memberPermissions({ mode: 'deactivate', ...kinds });

    expect(Object.keys(report).filter((action) => EVERY_WRITE.includes(action))).toEqual([]);
    expect(report['iam:ListMFADevices']).toEqual(['*']);
    expect(Object.keys(deactivate).filter((action) => EVERY_WRITE.includes(action))).toEqual([
      'iam:UpdateAccessKey',
    ]);
  });

  it('defaults its kinds as the settings table does when the policy names none', () => {
    const permissions = memberPermissions({
      mode: 'delete',
      userPathPrefix: '/',
      scanStrategy: 'full',
    });

    expect(permissions).toHaveProperty('iam:DeleteSigningCertificate');
    expect(permissions).not.toHaveProperty('iam:DeleteAccessKey');
  });
});

describe('cdk-nag', () => {
  it.each<[string, Record<string, unknown>]>([
    [
      'every kind in delete mode, under a path, with the Config rule',
      { userPathPrefix: '/robots/' },
    ],
    ['every kind with the credential-report scan', { scanStrategy: 'credential-report' }],
  ])('finds nothing unacknowledged: %s', (_, extra) => {
    const app = createApp({
      mode: 'delete',
      credentialKinds: EVERY_KIND,
      remediateKinds: EVERY_KIND,
      deleteServiceCredentials: true,
      configRule: true,
      fullScanSchedule: 'cron(0 5 ? * SUN *)',
      ...extra,
    });
    new AuditorStack(app, 'NagKinds');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    app.synth();
    const report = new AwsSolutionsChecks().validateScope(app);

    expect(report.violations).toEqual([]);
  });
});
