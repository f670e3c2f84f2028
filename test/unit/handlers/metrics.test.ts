import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usersScope } from '../../../lambda/core/scope';
import {
  METRICS_NAMESPACE,
  recordRunMetrics,
  SCOPE_DIMENSION,
  SERVICE_NAME,
} from '../../../lambda/handlers/metrics';
import { capturedOutput } from '../accounts';
import { findingOf, reportOf } from '../fixtures';

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

    // Assess
    const [account, users, again] = emf();
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
