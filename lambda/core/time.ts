/** One day in milliseconds: ages are compared to the millisecond, never rounded. */
export const DAY_MS = 86_400_000;
