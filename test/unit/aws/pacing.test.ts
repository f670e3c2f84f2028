import { describe, expect, it } from 'vitest';
import { DEFAULT_PACER_SETTINGS, RequestPacer } from '../../../lambda/aws/pacing';

/** A pacer on a fake clock: sleeping advances the clock, so tests take no real time. */
function pacerOnFakeClock(settings = DEFAULT_PACER_SETTINGS) {
  let clock = 0;
  const sleeps: number[] = [];
  const pacer = new RequestPacer(
    settings,
    () => clock,
    async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  );
  return { pacer, sleeps, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe('RequestPacer', () => {
  it('spaces requests 1/rate apart, starting at the initial rate', async () => {
    const { pacer, now } = pacerOnFakeClock();

    for (let i = 0; i < 5; i += 1) await pacer.acquire();

    // 5 requests at the initial rate: the 5th goes 4 intervals after the first.
    expect(now()).toBeCloseTo((4 * 1000) / DEFAULT_PACER_SETTINGS.initialRate, 6);
  });

  it('climbs by increasePerSecond for each second of answers without heavy throttling', () => {
    const { pacer } = pacerOnFakeClock();
    const { initialRate, increasePerSecond } = DEFAULT_PACER_SETTINGS;

    // One second's worth of answers at the initial rate.
    for (let i = 0; i < initialRate; i += 1) pacer.onSuccess();

    expect(pacer.currentRate).toBeCloseTo(initialRate + increasePerSecond, 0);
  });

  it('never climbs above the maximum', () => {
    const { pacer } = pacerOnFakeClock({ ...DEFAULT_PACER_SETTINGS, maxRate: 12 });

    for (let i = 0; i < 1000; i += 1) pacer.onSuccess();

    expect(pacer.currentRate).toBe(12);
  });

  it('ignores a throttle now and then', () => {
    const { pacer } = pacerOnFakeClock();
    for (let i = 0; i < 20; i += 1) pacer.onSuccess();
    const before = pacer.currentRate;

    pacer.onThrottle(); // 1 in 21: well under a quarter

    expect(pacer.currentRate).toBe(before);
  });

  it('cuts the rate by 15% when over a quarter of recent answers are throttled, once a second', () => {
    const { pacer, advance } = pacerOnFakeClock();
    for (let i = 0; i < 7; i += 1) pacer.onSuccess();
    const before = pacer.currentRate;
    advance(2000);

    for (let i = 0; i < 3; i += 1) pacer.onThrottle(); // 3 of 10: heavy

    expect(pacer.currentRate).toBeCloseTo(before * 0.85, 5);
    for (let i = 0; i < 10; i += 1) pacer.onThrottle(); // within the same second: no second cut
    expect(pacer.currentRate).toBeCloseTo(before * 0.85, 5);
    advance(1000);
    pacer.onThrottle();
    expect(pacer.currentRate).toBeCloseTo(before * 0.85 * 0.85, 5);
  });

  it('never goes below the minimum rate', () => {
    const { pacer, advance } = pacerOnFakeClock();

    for (let i = 0; i < 500; i += 1) {
      advance(1000);
      pacer.onThrottle();
    }

    expect(pacer.currentRate).toBe(DEFAULT_PACER_SETTINGS.minRate);
  });
});
