import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callRecordDir } from '../../tools/emulator/call-record';
import { type Deployment, deploymentMatrix } from './deployments';
import {
  type DeploymentProof,
  type ProofVerdict,
  proveDeployment,
  USERS_SCOPED_ON_EVERY_RESOURCE,
} from './proof';
import { loadCallRecord } from './record';
import { REFERENCE_PAGE, renderPermissionsReference } from './reference';

/**
 * The permissions proof: every call the code was recorded making in the emulator suites, the
 * demo and the benchmarks (this run's, see tools/emulator/call-record.ts), every service path the
 * constructs declare and every call AWS makes on a caller's behalf is allowed by the synthesized
 * policies of every deployment whose settings make it; every granted action is exercised; and
 * what a deployment's settings, roles and accounts rule out is refused. This project runs after
 * the integration suite (vitest.config.ts: groupOrder), whose calls it reads.
 */
const record = loadCallRecord();

const shortArn = (arn: string) => arn.replace(/^arn:aws:[^:]*:[^:]*:(\d{12})?:/, '');
const describeVerdict = (v: ProofVerdict) =>
  `${v.result} ${shortArn(v.request.principal)} ${v.request.action} ${v.request.resource}${v.detail ? ` (${v.detail})` : ''} — ${v.request.origin}: ${v.request.why}`;

describe('the record of calls', () => {
  it('holds the calls of the emulator suites', () => {
    expect(record.sources).toContain('integration');
    expect(record.calls.length).toBeGreaterThan(100);
  });

  it('attributes every call of the code to the session (principal and settings) that made it', () => {
    expect(
      record.unattributed.map(
        ({ source, call }) =>
          `${source}: ${call.action} ${call.resource} (key ${call.accessKeyId})`,
      ),
    ).toEqual([]);
  });

  it('holds real-time runs that read users by name, never the whole account', () => {
    const usersScoped = record.calls.filter(({ session }) => session.settings?.scope === 'users');
    expect(usersScoped.some(({ call }) => call.action === 'iam:GetUser')).toBe(true);
    // No ListUsers, credential report or listing of every user's credentials (AllUsers): on
    // `*`, only GetAccountSummary, which has no resource-level permissions.
    expect(
      usersScoped
        .filter(
          ({ call }) =>
            call.service === 'iam' &&
            call.resource === '*' &&
            !USERS_SCOPED_ON_EVERY_RESOURCE.has(call.action),
        )
        .map(({ call, session }) => `${call.action} — ${session.label}`),
    ).toEqual([]);
  });

  it('names the action and resource of every call', () => {
    expect(
      record.calls
        .filter(({ call }) => call.action === '' || call.resource.startsWith('unresolved:'))
        .map(({ call, session }) => `${call.operation} ${call.resource} — ${session.label}`),
    ).toEqual([]);
  });
});

/** Every deployment's proof, for the reference page and the counts. */
const proven: { deployment: Deployment; proof: DeploymentProof }[] = [];

describe.each(deploymentMatrix())('$name', ({ build }) => {
  let proof: DeploymentProof;
  beforeAll(async () => {
    const deployment = build();
    proof = await proveDeployment(record, deployment);
    proven.push({ deployment, proof });
  });

  it('has recorded calls of its code to prove', () => {
    expect(proof.expected.filter((v) => v.request.origin === 'recorded').length).toBeGreaterThan(0);
  });

  it('allows every recorded call, declared service path and call made on a caller’s behalf', () => {
    expect(
      proof.expected
        .filter((v) => v.result !== 'Allowed' && v.result !== 'Outside')
        .map(describeVerdict),
    ).toEqual([]);
  });

  it('grants no action that no call exercises', () => {
    expect(
      proof.unexercised.map(
        (g) => `${shortArn(g.role)} ${g.action} on ${g.resources.join(', ')} (${g.policy})`,
      ),
    ).toEqual([]);
  });

  it('holds no action of a kind its settings rule out (in report mode: no write of any kind)', () => {
    expect(
      proof.ruledOutByKinds.map(
        (g) => `${shortArn(g.role)} ${g.action} on ${g.resources.join(', ')} (${g.policy})`,
      ),
    ).toEqual([]);
  });

  it('refuses what other settings, principals and accounts would do', () => {
    expect(
      proof.refusals
        .filter((v) => v.result !== 'ExplicitlyDenied' && v.result !== 'ImplicitlyDenied')
        .map(describeVerdict),
    ).toEqual([]);
  });
});

describe('the permissions reference (docs/reference/permissions.md)', () => {
  it('is the page the proof generates (npm run docs:permissions after a full test run rewrites it)', () => {
    const page = renderPermissionsReference(proven, record);
    // The counts of this run, for whoever reads the log.
    const counts = proven.map(({ proof }) => {
      const by = (origin: string) =>
        proof.expected.filter((v) => v.request.origin === origin).length;
      const allowed = proof.expected.filter((v) => v.result === 'Allowed').length;
      const outside = proof.expected.filter((v) => v.result === 'Outside').length;
      const held = proof.refusals.filter((v) => v.result.endsWith('Denied')).length;
      return `${proof.deployment}: ${by('recorded')} recorded, ${by('declared')} declared, ${by('derived')} derived; ${allowed} allowed, ${outside} outside the templates; ${proof.grants.length - proof.unexercised.length}/${proof.grants.length} grants used; ${held}/${proof.refusals.length} refusals held`;
    });
    mkdirSync(callRecordDir(), { recursive: true });
    writeFileSync(join(callRecordDir(), 'proof-summary.txt'), `${counts.join('\n')}\n`);
    writeFileSync(join(callRecordDir(), 'permissions.md'), page);
    if (process.env.UPDATE_PERMISSIONS_REFERENCE === '1') writeFileSync(REFERENCE_PAGE, page);

    expect(proven).toHaveLength(deploymentMatrix().length);
    expect(page).toBe(readFileSync(REFERENCE_PAGE, 'utf8'));
  });
});
