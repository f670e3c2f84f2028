import type { AuditProgress } from '../lambda/engine/audit';

/** A writable stream as the CLI uses it. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** The clock the periodic progress line reads, injected so a test steps it by hand. */
export interface ProgressClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `tick` every `ms` milliseconds until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

/** The system's clock; its timer never keeps the process alive on its own. */
export const SYSTEM_CLOCK: ProgressClock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Seconds between two progress lines when standard error is not a terminal (`--progress-interval`). */
export const PROGRESS_INTERVAL_SECONDS = 10;

/** What every progress line starts with, so a log reader (or the docs' samples) can find or drop them. */
export const PROGRESS_PREFIX = 'signing-cert-audit: progress: ';

/** What a run reports as it goes: one account's users, and (across accounts) each account done. */
export interface Progress {
  /** A scan's counts, of `accountId`'s run when several run at once. */
  readonly update: (progress: AuditProgress, accountId?: string) => void;
  /** One more account is done (audited or failed). */
  readonly accountDone: () => void;
  /** The run is over: ends the line on a terminal, stops the timer otherwise. */
  readonly done: () => void;
}

/** A one-line progress counter on a terminal, rewritten in place. */
export function progressBar(stream: Output) {
  let last = '';
  return {
    update({ usersListed, usersScanned, listingDone }: AuditProgress) {
      const total = listingDone ? `${usersListed}` : `${usersListed}+`;
      const line = `\rScanning users: ${usersScanned}/${total}`;
      if (line !== last) stream.write(line);
      last = line;
    },
    done() {
      if (last !== '') stream.write('\n');
      last = '';
    },
  };
}

/** The accounts counter of an organization run on a terminal, rewritten in place. */
function accountsBar(stream: Output, accounts: number): Progress {
  let done = 0;
  return {
    update: () => undefined,
    accountDone() {
      done += 1;
      stream.write(`\rAccounts audited: ${done}/${accounts}`);
    },
    done() {
      if (accounts > 0) stream.write('\n');
    },
  };
}

/** `45s`, `2m05s`, `1h02m`: how long a run has taken, for a log line. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * Progress for a reader who is not watching a terminal (a CI log, a pipe, a file): every
 * `intervalMs`, one whole line on `stream` with the users scanned (of those listed so far), the
 * accounts done of an organization run, and the time elapsed. Nothing before the first interval,
 * so a short run prints none; nothing after `done`.
 */
export function progressLog(
  stream: Output,
  {
    intervalMs,
    clock = SYSTEM_CLOCK,
    accounts,
  }: {
    readonly intervalMs: number;
    readonly clock?: ProgressClock;
    /** The number of accounts of an organization run; undefined for one account. */
    readonly accounts?: number;
  },
): Progress {
  const started = clock.now();
  const scans = new Map<string, AuditProgress>();
  let accountsDone = 0;
  const line = () => {
    const all = [...scans.values()];
    const scanned = all.reduce((sum, p) => sum + p.usersScanned, 0);
    const parts: string[] = [];
    if (accounts === undefined) {
      const [scan] = all;
      parts.push(
        scan
          ? `${scanned} of ${scan.usersListed}${scan.listingDone ? '' : '+'} users scanned`
          : 'listing users',
      );
    } else {
      parts.push(`${accountsDone} of ${accounts} accounts done`, `${scanned} users scanned`);
    }
    parts.push(`${formatElapsed(clock.now() - started)} elapsed`);
    return `${PROGRESS_PREFIX}${parts.join(', ')}\n`;
  };
  const stop = clock.every(intervalMs, () => stream.write(line()));
  return {
    update(progress, accountId = '') {
      scans.set(accountId, progress);
    },
    accountDone() {
      accountsDone += 1;
    },
    done: stop,
  };
}

/**
 * The progress a run shows on standard error: a counter rewritten in place on a terminal, a
 * periodic line otherwise, none with `--quiet`. Never on standard output: the report is there.
 */
export function progressFor(
  stderr: Output,
  options: { readonly quiet: boolean; readonly progressIntervalMs: number },
  clock: ProgressClock = SYSTEM_CLOCK,
  accounts?: number,
): Progress | undefined {
  if (options.quiet) return undefined;
  if (stderr.isTTY) {
    if (accounts !== undefined) return accountsBar(stderr, accounts);
    const bar = progressBar(stderr);
    return { update: bar.update, accountDone: () => undefined, done: bar.done };
  }
  return progressLog(stderr, { intervalMs: options.progressIntervalMs, clock, accounts });
}
