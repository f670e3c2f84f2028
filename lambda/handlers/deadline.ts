/**
 * The default deadline margin: 90 s of a 900 s function, time for the calls in flight and the
 * delivery (every sink, or PutEvaluations) after the run stops starting new work.
 */
export const DEADLINE_MARGIN_MS = 90_000;

/** What a handler needs of Lambda's context to know its deadline. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * Runs `work` with a signal that is aborted when less than `marginMs` of the invocation's time
 * is left: Lambda ends a run at its timeout without a word, so the run stops starting new work
 * in time to deliver what it has. Returns the work's result and the signal (aborted when the
 * deadline stopped it).
 */
export async function withDeadline<T>(
  context: RemainingTime,
  marginMs: number,
  work: (stop: AbortSignal) => Promise<T>,
): Promise<{ readonly result: T; readonly deadline: AbortSignal }> {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(`deadline: less than ${Math.round(marginMs / 1000)} s of Lambda time left`),
    Math.max(0, context.getRemainingTimeInMillis() - marginMs),
  );
  try {
    return { result: await work(controller.signal), deadline: controller.signal };
  } finally {
    clearTimeout(timer);
  }
}
