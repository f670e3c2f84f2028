import { describe, expect, it } from 'vitest';
import { formatElapsed, PROGRESS_PREFIX, progressFor, progressLog } from '../../../cli/progress';
import { manualClock } from './manual-clock';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { write: (text: string) => written.push(text), isTTY, text: () => written.join('') };
}

describe('formatElapsed', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [125_000, '2m05s'],
    [3_720_000, '1h02m'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('progressLog', () => {
  it('writes nothing before the first interval, then one whole line each interval, and nothing after done', () => {
    const clock = manualClock();
    const err = stream(false);
    const progress = progressLog(err, { intervalMs: 10_000, clock });

    progress.update({ usersListed: 100, usersScanned: 40, listingDone: false });
    clock.advance(9_999);
    expect(err.text()).toBe('');

    clock.advance(1);
    progress.update({ usersListed: 250, usersScanned: 250, listingDone: true });
    clock.advance(10_000);
    progress.done();
    clock.advance(60_000);

    expect(err.text()).toBe(
      `${PROGRESS_PREFIX}40 of 100+ users scanned, 10s elapsed\n` +
        `${PROGRESS_PREFIX}250 of 250 users scanned, 20s elapsed\n`,
    );
    expect(clock.timers()).toBe(0);
  });

  it('counts the accounts done and the users scanned in every account of an organization run', () => {
    const clock = manualClock();
    const err = stream(false);
    const progress = progressLog(err, { intervalMs: 5_000, clock, accounts: 3 });

    progress.update({ usersListed: 10, usersScanned: 10, listingDone: true }, '111111111111');
    progress.accountDone();
    progress.update({ usersListed: 30, usersScanned: 7, listingDone: false }, '222222222222');
    progress.update({ usersListed: 30, usersScanned: 12, listingDone: false }, '222222222222');
    clock.advance(65_000);
    progress.done();

    const lines = err.text().trimEnd().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines.at(-1)).toBe(
      `${PROGRESS_PREFIX}1 of 3 accounts done, 22 users scanned, 1m05s elapsed`,
    );
  });
});

describe('progressFor', () => {
  const options = { quiet: false, progressIntervalMs: 1_000 };

  it('rewrites a counter in place on a terminal, and writes no periodic line there', () => {
    const clock = manualClock();
    const err = stream(true);
    const progress = progressFor(err, options, clock);

    progress?.update({ usersListed: 2, usersScanned: 1, listingDone: true });
    clock.advance(5_000);
    progress?.done();

    expect(err.text()).toBe('\rScanning users: 1/2\n');
    expect(clock.timers()).toBe(0);
  });

  it('writes the periodic line when standard error is not a terminal', () => {
    const clock = manualClock();
    const err = stream(false);
    const progress = progressFor(err, options, clock);

    progress?.update({ usersListed: 2, usersScanned: 1, listingDone: true });
    clock.advance(1_000);
    progress?.done();

    expect(err.text()).toBe(`${PROGRESS_PREFIX}1 of 2 users scanned, 1s elapsed\n`);
  });

  it('writes nothing at all with --quiet, on a terminal or not', () => {
    const clock = manualClock();
    for (const isTTY of [true, false]) {
      const err = stream(isTTY);

      expect(progressFor(err, { ...options, quiet: true }, clock)).toBeUndefined();
      clock.advance(10_000);
      expect(err.text()).toBe('');
    }
    expect(clock.timers()).toBe(0);
  });
});
