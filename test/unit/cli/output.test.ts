import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../cli/args';
import { exitStatus } from '../../../cli/output';

describe('exitStatus: the one exit rule of the audit and restore', () => {
  const run = { written: EXIT.clean, interrupted: false, awsFailure: false, notDone: false };

  it('is 0 for a run with nothing left undone, and 1 with something', () => {
    expect(exitStatus(run)).toBe(EXIT.clean);
    expect(exitStatus({ ...run, notDone: true })).toBe(EXIT.nonCompliant);
  });

  it('puts an interruption first, then an AWS failure, then a report that could not be written', () => {
    expect(exitStatus({ ...run, interrupted: true, awsFailure: true, notDone: true })).toBe(
      EXIT.interrupted,
    );
    expect(exitStatus({ ...run, awsFailure: true, written: EXIT.usage, notDone: true })).toBe(
      EXIT.aws,
    );
    expect(exitStatus({ ...run, written: EXIT.usage, notDone: true })).toBe(EXIT.usage);
  });
});
