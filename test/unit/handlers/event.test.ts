import { describe, expect, it } from 'vitest';
import {
  InvocationEventError,
  parseInvocationEvent,
  parseWorkerEvent,
  runIdOf,
} from '../../../lambda/handlers/event';

/** The console's "Scheduled Event" test template. */
const SCHEDULED = {
  version: '0',
  id: 'e1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-23T06:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/x'],
  detail: {},
};

describe('parseInvocationEvent', () => {
  it.each([
    [{}, false],
    [{ dryRun: true }, true],
  ])('reads %j as dryRun=%s', (event, dryRun) => {
    expect(parseInvocationEvent(event)).toEqual({ dryRun });
  });

  it.each([
    [null, 'null'],
    [undefined, 'no event'],
  ])('refuses %j instead of running for real, naming it and what is allowed', (event, named) => {
    // A real run is asked for by {} (or the scheduled event): `null` (a template's unset
    // variable, say) asks for nothing, and a security tool does not guess what was meant.
    expect(() => parseInvocationEvent(event)).toThrow(InvocationEventError);
    expect(() => parseInvocationEvent(event)).toThrow(
      `Invalid invocation event: the event is ${named}, and must be a JSON object. Allowed: {} for a real run`,
    );
  });

  it('runs the scheduled events EventBridge and Scheduler send for real', () => {
    expect(parseInvocationEvent(SCHEDULED)).toEqual({ dryRun: false });
    // A schedule without an Input: the same envelope from aws.scheduler, its detail a string.
    expect(
      parseInvocationEvent({
        ...SCHEDULED,
        source: 'aws.scheduler',
        resources: ['arn:aws:scheduler:us-east-1:123456789012:schedule/default/audit'],
        detail: '{}',
      }),
    ).toEqual({ dryRun: false });
  });

  it('honours exactly {"dryRun": true} in a scheduled event too', () => {
    expect(parseInvocationEvent({ ...SCHEDULED, dryRun: true })).toEqual({ dryRun: true });
  });

  it.each([
    [{ source: 'aws.scheduler' }, /"source" belongs to a scheduled event, and this is not one/],
    [{ source: 'aws.scheduler', dryRun: true }, /"source" belongs to a scheduled event/],
    [{ 'detail-type': 'Scheduled Event', dryRun: true }, /"detail-type" belongs to a scheduled/],
    [{ ...SCHEDULED, source: 'aws.s3' }, /"version" belongs to a scheduled event/],
    [{ ...SCHEDULED, detail: { x: 1 } }, /belongs to a scheduled event, and this is not one/],
    [{ source: 'aws.scheduler', isDryRun: true }, /unknown key "isDryRun"/],
    [{ 'detail-type': 'Scheduled Event', dryRunOnly: true }, /unknown key "dryRunOnly"/],
    [{ source: 'aws.events', mode: 'report' }, /unknown key "mode"/],
    [{ ...SCHEDULED, mode: 'report' }, /unknown key "mode"/],
    [{ dryRun: true, mode: 'delete' }, /unknown key "mode"/],
  ])(
    'refuses %j: only what EventBridge and Scheduler really send passes as scheduled',
    (event, message) => {
      expect(() => parseInvocationEvent(event)).toThrow(InvocationEventError);
      expect(() => parseInvocationEvent(event)).toThrow(message);
    },
  );

  it.each([
    [{ ...SCHEDULED, dryrun: true, x: 1 }, /"dryrun": an event that mentions a dry run/],
    [{ ...SCHEDULED, dryRun: 'yes' }, /"dryRun" is "yes"/],
    [{ ...SCHEDULED, DryRun: true }, /"DryRun"/],
    [{ ...SCHEDULED, detail: { dry_run: true } }, /"detail\.dry_run"/],
    [{ 'dry-run': true }, /"dry-run"/],
    [{ dryRun: true, dry_run: true }, /"dry_run"/],
    [{ dryRun: false }, /"dryRun" is false/],
    [{ dryRun: 1 }, /"dryRun" is 1/],
    [{ dryRun: 'true' }, /"dryRun" is "true"/],
  ])('refuses %j: it mentions a dry run but is not exactly {"dryRun": true}', (event, message) => {
    expect(() => parseInvocationEvent(event)).toThrow(InvocationEventError);
    expect(() => parseInvocationEvent(event)).toThrow(message);
    expect(() => parseInvocationEvent(event)).toThrow(/Allowed: \{\} for a real run/);
  });

  it.each([
    [{ mode: 'delete' }, /unknown key "mode"/],
    [{ a: 1, b: 2, c: 3, d: 4, e: 5 }, /unknown keys "a", "b", "c" and 2 more/],
    ['dryRun', /the event must be a JSON object/],
    [[true], /the event must be a JSON object/],
  ])('refuses %j with a clear error', (event, message) => {
    expect(() => parseInvocationEvent(event)).toThrow(InvocationEventError);
    expect(() => parseInvocationEvent(event)).toThrow(message);
  });

  it.each([
    [{ scanStrategy: 'full' }, { dryRun: false, scanStrategy: 'full' }],
    [{ scanStrategy: 'credential-report' }, { dryRun: false, scanStrategy: 'credential-report' }],
    [
      { scanStrategy: 'full', dryRun: true },
      { dryRun: true, scanStrategy: 'full' },
    ],
  ])('reads the full-scan schedule’s %j', (event, options) => {
    expect(parseInvocationEvent(event)).toEqual(options);
  });

  it.each([
    [{ scanStrategy: 'FULL' }, /"scanStrategy" is "FULL": an event that mentions a scan strategy/],
    [{ scan_strategy: 'full' }, /"scan_strategy"/],
    [{ ScanStrategy: 'full' }, /"ScanStrategy"/],
    [{ scanStrategy: 'full', detail: { scanStrategy: 'full' } }, /"detail\.scanStrategy"/],
    [{ scanStrategy: 'full', mode: 'delete' }, /unknown key "mode"/],
  ])('refuses %j', (event, message) => {
    expect(() => parseInvocationEvent(event)).toThrow(InvocationEventError);
    expect(() => parseInvocationEvent(event)).toThrow(message);
  });

  it('bounds what it echoes of a huge key or value', () => {
    const huge = 'k'.repeat(1_000_000);
    const messages = [{ [huge]: 1 }, { dryRun: huge }].map((event) => {
      try {
        parseInvocationEvent(event);
        return '';
      } catch (error: unknown) {
        return (error as Error).message;
      }
    });

    for (const message of messages) {
      expect(message.length).toBeGreaterThan(0);
      expect(message.length).toBeLessThan(400);
      expect(message).toMatch(/1000000 characters|1000002 characters/);
    }
  });
});

describe('parseWorkerEvent', () => {
  it.each([
    [{ accountId: '123456789012', runId: 'run-1' }, { dryRun: false }],
    [{ accountId: '123456789012', runId: 'run-1', dryRun: true }, { dryRun: true }],
    [
      { accountId: '123456789012', runId: 'run-1', scanStrategy: 'full' },
      { dryRun: false, scanStrategy: 'full' },
    ],
  ])('reads %j', (event, options) => {
    expect(parseWorkerEvent(event)).toEqual({
      accountId: '123456789012',
      runId: 'run-1',
      ...options,
    });
  });

  it.each([
    [{ accountId: '1234', runId: 'r' }, /"accountId" is "1234": expected a 12-digit account id/],
    [{ accountId: '123456789012' }, /"runId" is missing/],
    [{ accountId: '123456789012', runId: '../../reports/x' }, /"runId" is "..\/..\/reports\/x"/],
    [{ accountId: '123456789012', runId: '..' }, /"runId" is "\.\."/],
    [{ accountId: '123456789012', runId: 'r', dryRun: 'true' }, /"dryRun" is "true"/],
    [{ accountId: '123456789012', runId: 'r', dryRun: false }, /"dryRun" is false/],
    [{ accountId: '123456789012', runId: 'r', dryrun: true }, /"dryrun": an event that mentions/],
    [{ accountId: '123456789012', runId: 'r', scanStrategy: 'fast' }, /"scanStrategy" is "fast"/],
    [{ accountId: '123456789012', runId: 'r', x: 1 }, /unknown key "x"/],
    [{ ...SCHEDULED, accountId: '123456789012', runId: 'r' }, /unknown keys "version", "id"/],
  ])('refuses %j, naming what is wrong and what is allowed', (event, message) => {
    expect(() => parseWorkerEvent(event)).toThrow(message);
    expect(() => parseWorkerEvent(event)).toThrow(
      /^Invalid worker event: .*Allowed: \{"accountId": "<12 digits>", "runId": /,
    );
  });
});

describe('runIdOf', () => {
  it('keeps a name in the safe set as it is', () => {
    expect(runIdOf('2f1c9a4e-0d2b-4c47-9d1e-3b5a6c7d8e9f', 'enumerate')).toBe(
      '2f1c9a4e-0d2b-4c47-9d1e-3b5a6c7d8e9f',
    );
  });

  it.each([['check+1'], ['check=1'], ['a b'], ['é'], [''], ['.'], ['x'.repeat(81)], [42]])(
    'refuses %j: two names must never share one run id',
    (name) => {
      expect(() => runIdOf(name, 'enumerate')).toThrow(
        /^Invalid enumerate event: the execution name .* is not allowed: the run id is the execution's name, 1 to 80 of A-Z a-z 0-9 \. _ -/,
      );
    },
  );
});
