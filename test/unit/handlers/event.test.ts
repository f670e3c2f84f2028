import { describe, expect, it } from 'vitest';
import { InvocationEventError, parseInvocationEvent } from '../../../lambda/handlers/event';

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
    [null, false],
    [undefined, false],
    [{ dryRun: true }, true],
  ])('reads %j as dryRun=%s', (event, dryRun) => {
    expect(parseInvocationEvent(event)).toEqual({ dryRun });
  });

  it('runs a scheduled event that says nothing of a dry run for real', () => {
    expect(parseInvocationEvent(SCHEDULED)).toEqual({ dryRun: false });
    expect(parseInvocationEvent({ source: 'aws.scheduler' })).toEqual({ dryRun: false });
  });

  it.each([
    [{ source: 'aws.scheduler', dryRun: true }],
    [{ 'detail-type': 'Scheduled Event', dryRun: true }],
    [{ ...SCHEDULED, dryRun: true }],
  ])('honours exactly {"dryRun": true} whatever else the event holds: %j', (event) => {
    expect(parseInvocationEvent(event)).toEqual({ dryRun: true });
  });

  it.each([
    [{ source: 'aws.events', dryrun: true, x: 1 }, /"dryrun": an event that mentions a dry run/],
    [{ source: 'aws.events', dryRun: 'yes' }, /"dryRun" is "yes"/],
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
