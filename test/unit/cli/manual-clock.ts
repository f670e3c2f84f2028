import type { ProgressClock } from '../../../cli/progress';

/** A clock a test moves by hand: `advance` fires every timer that falls due, in order. */
export function manualClock(start = 1_000_000): ProgressClock & {
  advance(ms: number): void;
  readonly timers: () => number;
} {
  let now = start;
  const timers = new Set<{ ms: number; next: number; tick: () => void }>();
  return {
    now: () => now,
    every(ms, tick) {
      const timer = { ms, next: now + ms, tick };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter((t) => t.next <= until).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        now = due.next;
        due.next += due.ms;
        due.tick();
      }
      now = until;
    },
    timers: () => timers.size,
  };
}
