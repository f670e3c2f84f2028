import { describe, expect, it } from 'vitest';
import { InvocationEventError } from '../../lambda/errors';
import { parseInvocationEvent } from '../../lambda/event';

describe('parseInvocationEvent', () => {
  it.each([
    [{}, false],
    [null, false],
    [undefined, false],
    [{ dryRun: true }, true],
    [{ dryRun: false }, false],
  ])('reads %j as dryRun=%s', (event, dryRun) => {
    expect(parseInvocationEvent(event)).toEqual({ dryRun });
  });

  it('ignores the fields of a scheduled event', () => {
    const scheduled = {
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
    expect(parseInvocationEvent(scheduled)).toEqual({ dryRun: false });
  });

  it.each([
    [{ dryrun: true }, /unknown key "dryrun"\. Allowed: \{\} or \{"dryRun": true\|false\}/],
    [{ dryRun: 'yes' }, /"dryRun" must be true or false/],
    [{ dryRun: true, mode: 'delete' }, /unknown key "mode"/],
    ['dryRun', /the event must be a JSON object/],
    [[true], /the event must be a JSON object/],
  ])('refuses %j with a clear error', (event, message) => {
    expect(() => parseInvocationEvent(event)).toThrow(InvocationEventError);
    expect(() => parseInvocationEvent(event)).toThrow(message);
  });
});
