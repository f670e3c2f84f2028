import { SigningCertAuditError } from './errors';

/**
 * The blast-radius guard over a window of time, for the functions that audit as events arrive:
 * each run is small (one user, a few), so the per-run limit alone would let a storm of events
 * (10,000 certificates uploaded in a minute) switch off 10,000 certificates, one run at a time.
 * Before a run makes its changes it reserves them in the account's window; a run whose changes
 * would take the window past its limit makes none of them (WITHHELD, and the Withheld alarm),
 * as the per-run guard does. The window slides: a reservation counts the current fixed window
 * and the one before it, so no span of one window's length holds more than the limit.
 */
export interface ChangeBudget {
  /** Where the counts are kept, for logs. */
  readonly where: string;
  /** Reserves `planned` changes in the account's window, or says why not. Never throws. */
  reserve(accountId: string, planned: number, now: Date): Promise<BudgetAnswer>;
}

/** Whether a run's changes fit the window. */
export type BudgetAnswer =
  | { readonly granted: true; readonly used: number; readonly limit: number }
  | { readonly granted: false; readonly reason: string };

/** Where the window counts go in the evidence archive, beside reports/ and changes/. */
export const GUARD_PREFIX = 'guard/';

/** The window's limit and length. */
export interface WindowLimit {
  /** Changes allowed over one window, across every run of the account. */
  readonly maxActions: number;
  /** The window's length in minutes. */
  readonly minutes: number;
}

/** A window setting is not allowed. */
export class ChangeBudgetError extends SigningCertAuditError {
  override readonly name = 'ChangeBudgetError';
}

/** The environment variables of the window, and their bounds. */
export const WINDOW_SETTINGS = {
  maxActions: { env: 'REALTIME_WINDOW_MAX_ACTIONS', min: 0, max: 10_000 },
  minutes: { env: 'REALTIME_WINDOW_MINUTES', min: 1, max: 1440 },
} as const;

/**
 * Reads the window from the environment: both variables, whole numbers within their bounds; a
 * missing or bad one is refused, naming it and what is allowed.
 */
export function windowLimitFromEnv(env: Readonly<Record<string, string | undefined>>): WindowLimit {
  const read = (key: keyof typeof WINDOW_SETTINGS) => {
    const { env: name, min, max } = WINDOW_SETTINGS[key];
    const raw = env[name];
    const value = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= min && value <= max)) {
      throw new ChangeBudgetError(
        `${name} is ${raw === undefined ? 'not set' : JSON.stringify(raw.slice(0, 40))}: expected a whole number from ${min} to ${max}`,
      );
    }
    return value;
  };
  return { maxActions: read('maxActions'), minutes: read('minutes') };
}

/** The start of the fixed window `now` falls in, and of the one before it. */
export function windowStarts(now: Date, minutes: number): { current: Date; previous: Date } {
  const length = minutes * 60_000;
  const current = Math.floor(now.getTime() / length) * length;
  return { current: new Date(current), previous: new Date(current - length) };
}
