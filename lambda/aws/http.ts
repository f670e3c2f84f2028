import type { NodeHttpHandlerOptions } from '@smithy/types';

/**
 * Timeouts for every AWS client (the SDK's node HTTP handler options). Without them a peer that
 * accepts the connection and never answers holds a call forever: the CLI hangs and the Lambda
 * burns its 15 minutes. With them the call ends in a TimeoutError, which the SDK's retry policy
 * treats as transient; once the attempts are spent the run fails naming the call.
 * An IAM answer, even a page of 1000 users, takes well under a second.
 */
export const HTTP_TIMEOUTS = {
  /** Establishing the TCP (and TLS) connection. */
  connectionTimeout: 5_000,
  /** The whole request and response. */
  requestTimeout: 10_000,
  /** The SDK only warns on a breached requestTimeout unless told to throw. */
  throwOnRequestTimeout: true,
} as const satisfies NodeHttpHandlerOptions;

/**
 * Added to every client's user agent: CloudTrail records it with each call (`userAgent`), so
 * an account's owner can tell this tool's calls from anyone else's.
 */
export const USER_AGENT = 'signing-cert-audit';

/** What every AWS client of the tool is built with: the timeouts and the user agent. */
export const CLIENT_DEFAULTS = {
  requestHandler: HTTP_TIMEOUTS,
  customUserAgent: USER_AGENT,
} as const;
