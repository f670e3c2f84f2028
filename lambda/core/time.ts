/** One day in milliseconds: ages are compared to the millisecond, never rounded. */
export const DAY_MS = 86_400_000;

/** Longest span of days any setting or tag accepts (100 years): anything longer is a typo, not a policy. */
export const MAX_DAYS = 36_500;
