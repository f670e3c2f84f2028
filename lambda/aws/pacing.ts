import type { IAMClient } from '@aws-sdk/client-iam';

/** How the pacer finds IAM's unpublished rate: start, bounds, how fast it climbs and backs off. */
export interface PacerSettings {
  /** Requests per second at the start of a run. */
  readonly initialRate: number;
  readonly minRate: number;
  readonly maxRate: number;
  /** Requests per second added for each second of sending without heavy throttling. */
  readonly increasePerSecond: number;
  /** Factor applied to the rate when throttling is heavy. */
  readonly decreaseFactor: number;
  /** The share of recent answers that must be `Throttling` before the rate is cut. */
  readonly throttleShare: number;
  /** How many recent answers that share is taken over. */
  readonly window: number;
}

/**
 * Defaults: start at 20 requests/s, climb by 2/s each second, cut by 15% when over a quarter of
 * the last 20 answers were throttled, at most once a second. A random throttle now and then
 * (IAM has them) does not slow the run; a real rate limit does, to just above it.
 */
export const DEFAULT_PACER_SETTINGS: PacerSettings = {
  initialRate: 20,
  minRate: 1,
  maxRate: 100,
  increasePerSecond: 2,
  decreaseFactor: 0.85,
  throttleShare: 0.25,
  window: 20,
};

/**
 * Spaces IAM requests (each attempt, retries included) at a rate it learns additively-increase,
 * multiplicatively-decrease from IAM's `Throttling` answers. It replaces the SDK's `adaptive`
 * mode, whose limiter cuts the rate on every single throttle, so under steady random throttling
 * it keeps slowing down (the reliability suite's run: 114 s with it, 36 s with this).
 */
export class RequestPacer {
  private rate: number;
  private nextSlot = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  private readonly recent: boolean[] = [];

  constructor(
    private readonly settings: PacerSettings = DEFAULT_PACER_SETTINGS,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.rate = settings.initialRate;
  }

  /** The current rate, in requests per second. */
  get currentRate(): number {
    return this.rate;
  }

  /** Waits for this request's slot; slots are handed out in order, 1/rate seconds apart. */
  async acquire(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.sleep(slot - now);
  }

  /** Records an answer that was not a throttle, and climbs a little. */
  onSuccess(): void {
    this.record(false);
    // One success in `rate` per second: +increasePerSecond per second of sending.
    this.rate = Math.min(
      this.settings.maxRate,
      this.rate + this.settings.increasePerSecond / this.rate,
    );
  }

  /** Records a `Throttling` answer; cuts the rate if throttling is heavy. */
  onThrottle(): void {
    this.record(true);
    const throttled = this.recent.filter(Boolean).length;
    const heavy =
      this.recent.length >= this.settings.window / 2 &&
      throttled / this.recent.length >= this.settings.throttleShare;
    const now = this.now();
    if (heavy && now - this.lastCut >= 1000) {
      this.rate = Math.max(this.settings.minRate, this.rate * this.settings.decreaseFactor);
      this.lastCut = now;
      this.recent.length = 0;
    }
  }

  private record(throttled: boolean): void {
    this.recent.push(throttled);
    if (this.recent.length > this.settings.window) this.recent.shift();
  }
}

/** IAM's throttling error codes, as the SDK names the exceptions. */
const THROTTLING_CODES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/**
 * Paces every attempt the client makes: the middleware sits inside the SDK's retry loop
 * (finalizeRequest, low priority), so retries wait for a slot too.
 */
export function paceClient(client: IAMClient, pacer: RequestPacer): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      await pacer.acquire();
      try {
        const result = await next(args);
        pacer.onSuccess();
        return result;
      } catch (error: unknown) {
        if (error instanceof Error && THROTTLING_CODES.has(error.name)) pacer.onThrottle();
        else pacer.onSuccess();
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'signingCertAuditPacer' },
  );
}
