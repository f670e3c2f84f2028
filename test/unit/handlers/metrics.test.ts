import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usersScope } from '../../../lambda/core/scope';
import {
  CREDENTIAL_TYPE_DIMENSION,
  METRICS_NAMESPACE,
  recordRunMetrics,
  SCOPE_DIMENSION,
  SERVICE_NAME,
} from '../../../lambda/handlers/metrics';
import { capturedOutput } from '../accounts';
import { findingOf, reportOf } from '../fixtures';
import {
  bedrockKeyFinding,
  certificatesOnlyPolicy,
  everyKindPolicy,
  ofUser,
  sshKeyFinding,
} from '../kind-findings';

const captured = capturedOutput();

beforeEach(() => captured.start());
afterEach(() => captured.stop());

/** The EMF documents printed so far. */
const emf = () => captured.jsonLines().filter((line) => '_aws' in line);

describe('recordRunMetrics: the run scope', () => {
  it('emits an account run under the service alone (the series the alarms read), and a users-scoped run apart', () => {
    // Prepare: one function's metrics, as the wrapper keeps them across invocations.
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    const findings = [findingOf()];

    // Act: an account run, a run about alice, then an account run again.
    recordRunMetrics(metrics, reportOf(findings), 10);
    metrics.publishStoredMetrics();
    recordRunMetrics(metrics, reportOf(findings, { scope: usersScope(['alice']) }), 10);
    metrics.publishStoredMetrics();
    recordRunMetrics(metrics, reportOf(findings), 10);
    metrics.publishStoredMetrics();

    // Assess: the account-wide documents (a run listing every kind, the default, emits its
    // counts per kind beside them, each with the same scope as its run's).
    const [account, users, again] = emf().filter((doc) => !(CREDENTIAL_TYPE_DIMENSION in doc));
    const perKindOf = (scoped: boolean) =>
      emf().filter((doc) => CREDENTIAL_TYPE_DIMENSION in doc && SCOPE_DIMENSION in doc === scoped);
    expect(perKindOf(false)).toHaveLength(2 * 15);
    expect(perKindOf(true)).toHaveLength(15);
    const dimensions = (doc: Record<string, unknown> | undefined) =>
      (doc?._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] } | undefined)
        ?.CloudWatchMetrics[0]?.Dimensions;
    expect(dimensions(account)).toEqual([['service']]);
    expect(account).toMatchObject({ NonCompliant: 1 });
    expect(account).not.toHaveProperty(SCOPE_DIMENSION);
    expect(dimensions(users)).toEqual([['service', SCOPE_DIMENSION]]);
    expect(users).toMatchObject({ [SCOPE_DIMENSION]: 'users', NonCompliant: 1, Incomplete: 0 });
    // Publishing clears the run's dimension: the next account run is the account's again.
    expect(dimensions(again)).toEqual([['service']]);
  });
});

/** The dimension names of an EMF document's first metric set. */
const dimensionsOf = (doc: Record<string, unknown> | undefined) =>
  (doc?._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] } | undefined)
    ?.CloudWatchMetrics[0]?.Dimensions;

describe('recordRunMetrics: counts per kind of credential', () => {
  const metrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  /** The per-kind data points: `<credentialType> <metric> <value>`. */
  const perKind = () =>
    emf()
      .filter((doc) => CREDENTIAL_TYPE_DIMENSION in doc)
      .flatMap((doc) => {
        const names = (
          doc._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }
        ).CloudWatchMetrics[0]?.Metrics.map((m) => m.Name);
        return (names ?? []).map(
          (name) => `${doc[CREDENTIAL_TYPE_DIMENSION]} ${name} ${doc[name]}`,
        );
      });

  it('emits each kind’s counts with its credentialType, and the account-wide ones as before', () => {
    // Prepare: one over-age certificate, two SSH keys (one switched off), no service credential.
    const m = metrics();
    const report = reportOf(
      [
        findingOf(),
        ofUser('bob', sshKeyFinding({ plannedAction: 'DEACTIVATE', action: 'DEACTIVATED' })),
        ofUser('carol', sshKeyFinding({ credentialId: 'APKACAROL00000000001' })),
      ],
      { policy: everyKindPolicy({ mode: 'deactivate' }) },
    );

    // Act
    recordRunMetrics(m, report, 10);
    m.publishStoredMetrics();

    // Assess: the alarms' series (service alone) counts every kind together.
    const account = emf().find((doc) => !(CREDENTIAL_TYPE_DIMENSION in doc));
    expect(dimensionsOf(account)).toEqual([['service']]);
    expect(account).toMatchObject({ NonCompliant: 3, Deactivated: 1 });
    expect(perKind()).toEqual([
      'signing-certificate NonCompliant 1',
      'signing-certificate ExpiringSoon 0',
      'signing-certificate Deactivated 0',
      'signing-certificate Deleted 0',
      'signing-certificate Withheld 0',
      'ssh-public-key NonCompliant 2',
      'ssh-public-key ExpiringSoon 0',
      'ssh-public-key Deactivated 1',
      'ssh-public-key Deleted 0',
      'ssh-public-key Withheld 0',
      'service-specific-credential NonCompliant 0',
      'service-specific-credential ExpiringSoon 0',
      'service-specific-credential Deactivated 0',
      'service-specific-credential Deleted 0',
      'service-specific-credential Withheld 0',
    ]);
    const kinded = emf().filter((doc) => CREDENTIAL_TYPE_DIMENSION in doc);
    for (const doc of kinded) {
      expect(dimensionsOf(doc)).toEqual([['service', CREDENTIAL_TYPE_DIMENSION]]);
    }
  });

  it('emits no per-kind count for a certificates-only run: the account-wide ones say it (the control)', () => {
    const m = metrics();

    recordRunMetrics(m, reportOf([findingOf()], { policy: certificatesOnlyPolicy() }), 10);
    m.publishStoredMetrics();

    expect(perKind()).toEqual([]);
    expect(emf()).toHaveLength(1);
  });

  it('leaves out a kind’s zero posture count while a user was not read, and names a users-scoped run', () => {
    const m = metrics();
    const unread = findingOf({
      userName: 'erin',
      certificateId: null,
      credentialType: null,
      credentialId: null,
      verdict: 'ERROR',
      error: { code: 'AccessDenied', message: 'no' },
    });
    const report = reportOf([unread, ofUser('bob', bedrockKeyFinding())], {
      policy: everyKindPolicy(),
      scope: usersScope(['erin', 'bob']),
    });

    recordRunMetrics(m, report, 10);
    m.publishStoredMetrics();

    // Zeros of what erin may hold are unknown; bob's key is counted; changes are still counted.
    expect(perKind().filter((point) => point.includes('NonCompliant'))).toEqual([
      'service-specific-credential NonCompliant 1',
    ]);
    expect(perKind()).toContain('ssh-public-key Deactivated 0');
    for (const doc of emf()) expect(doc[SCOPE_DIMENSION]).toBe('users');
  });
});
