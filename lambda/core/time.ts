/** One day in milliseconds: ages are compared to the millisecond, never rounded. */
export const DAY_MS = 86_400_000;

/** Longest span of days any setting or tag accepts (100 years): anything longer is a typo, not a policy. */
export const MAX_DAYS = 36_500;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The day `YYYY-MM-DD` names, at 00:00 UTC, or undefined when it is not one (`2027-02-30`): the
 * last day of an exemption, by tag or by file.
 */
export function calendarDay(text: string): Date | undefined {
  const match = DAY.exec(text);
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
    ? date
    : undefined;
}
