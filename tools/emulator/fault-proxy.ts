import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallRecorder, RECORDED_HEADER } from './call-record';

/** One request as the proxy saw it: the service's action and its form parameters. */
export interface ProxiedRequest {
  /** `iam`, `sns` or `sqs` (or `other`), from the request's API version or target header. */
  readonly service: 'iam' | 'sns' | 'sqs' | 'other';
  readonly action: string;
  readonly params: URLSearchParams;
}

/** What the proxy may do to requests; all settings default to "pass through untouched". */
export interface FaultSettings {
  /** Added before each request is answered, in milliseconds. */
  readonly latencyMs?: number;
  /** IAM requests allowed per second (token bucket); the excess is answered `Throttling`. */
  readonly ratePerSecond?: number;
  /** Bucket size for `ratePerSecond`: how many requests may arrive at once. Default 1. */
  readonly burst?: number;
  /**
   * Whose requests share a bucket: `proxy` (default) one for everything, `caller` one per access
   * key id, as IAM limits each account on its own (an assumed-role session is one account's).
   */
  readonly rateScope?: 'proxy' | 'caller';
  /** Fraction of IAM requests answered `Throttling` at random, on top of the rate limit. */
  readonly throttleFraction?: number;
  /** Fraction of IAM requests answered 500 `ServiceFailure`. */
  readonly serviceFailureFraction?: number;
  /** Fraction of IAM connections reset without an answer. */
  readonly resetFraction?: number;
  /** Actions (of any service) answered 500 every time, e.g. `['Publish']`. */
  readonly failActions?: readonly string[];
  /**
   * Answers a request itself instead of forwarding it, when it returns an answer: an IAM error
   * (`AccessDenied`) or a canned response (a credential report that is never ready).
   */
  readonly respond?: (
    request: ProxiedRequest,
  ) => { readonly status: number; readonly xml: string } | undefined;
  /** Runs before a request is forwarded; the request waits for it (used to delete things mid-run). */
  readonly onRequest?: (request: ProxiedRequest) => Promise<void> | void;
  /** Seed of the fault dice, so a run is reproducible. */
  readonly seed?: number;
  /**
   * Pages ListUsers and ListSigningCertificates as IAM does (moto returns everything at once):
   * at most min(MaxItems, IAM's default 100, this) items a page, with IsTruncated and Marker.
   * A value under MaxItems makes pages shorter than asked for, which IAM is allowed to do.
   */
  readonly pageSize?: number;
}

/** Counts of what passed through, by action, and of each fault answered. */
export interface ProxyCounts {
  /** Every request received, by action (faulted ones included). */
  readonly received: Map<string, number>;
  /** Requests forwarded to the emulator and answered by it, by action. */
  readonly forwarded: Map<string, number>;
  /** Forwarded UpdateSigningCertificate and DeleteSigningCertificate calls, by certificate id. */
  readonly changesByCertificate: Map<string, number>;
  throttled: number;
  rateLimited: number;
  serviceFailures: number;
  resets: number;
}

/** A running fault-injecting proxy in front of an emulator. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly counts: ProxyCounts;
  /** Replaces the fault settings (counts are kept). */
  configure(settings: FaultSettings): void;
  /** Zeroes the counts. */
  resetCounts(): void;
  close(): Promise<void>;
}

const THROTTLING_XML = (requestId: string) =>
  `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
const SERVICE_FAILURE_XML = (requestId: string) =>
  `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>Injected service failure</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;

/**
 * Starts an HTTP proxy on loopback in front of `upstream` (moto) that adds latency, rate-limits
 * IAM the way IAM does (HTTP 400 `Throttling`, "Rate exceeded"), answers some IAM requests 500
 * `ServiceFailure`, resets some connections, and runs a hook as chosen requests pass.
 */
export async function startFaultProxy(
  upstream: string,
  initial: FaultSettings = {},
  { record = true }: { readonly record?: boolean } = {},
): Promise<FaultProxy> {
  const target = new URL(upstream);
  // Every request that passes is added to the record of calls (call-record.ts), faulted or not.
  const recorder = record ? new CallRecorder() : undefined;
  let settings = initial;
  let random = mulberry32(settings.seed ?? 1);
  /** Token buckets by caller (`''` when the scope is the whole proxy). */
  let buckets = new Map<string, { tokens: number; lastRefill: number }>();
  let requestCounter = 0;
  const counts: ProxyCounts = {
    received: new Map(),
    forwarded: new Map(),
    changesByCertificate: new Map(),
    throttled: 0,
    rateLimited: 0,
    serviceFailures: 0,
    resets: 0,
  };

  const takeToken = (headers: IncomingHttpHeaders): boolean => {
    const rate = settings.ratePerSecond;
    if (rate === undefined) return true;
    const now = performance.now();
    const burst = settings.burst ?? 1;
    const caller = settings.rateScope === 'caller' ? callerOf(headers) : '';
    const bucket = buckets.get(caller) ?? { tokens: burst, lastRefill: now };
    buckets.set(caller, bucket);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.lastRefill) / 1000) * rate);
    bucket.lastRefill = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const recorded = recorder?.observe(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    const answerXml = (response: ServerResponse, status: number, xml: string) => {
      recorded?.(status, xml, 'proxy');
      writeXml(response, status, xml);
    };
    const proxied = describe(req.headers, body);
    increment(counts.received, proxied.action);
    requestCounter += 1;
    const requestId = `fault-proxy-${requestCounter}`;
    if (settings.latencyMs) await sleep(settings.latencyMs);

    if (settings.failActions?.includes(proxied.action)) {
      counts.serviceFailures += 1;
      return answerXml(res, 500, SERVICE_FAILURE_XML(requestId));
    }
    if (proxied.service === 'iam') {
      if (!takeToken(req.headers)) {
        counts.rateLimited += 1;
        counts.throttled += 1;
        return answerXml(res, 400, THROTTLING_XML(requestId));
      }
      const roll = random();
      const { throttleFraction = 0, serviceFailureFraction = 0, resetFraction = 0 } = settings;
      if (roll < resetFraction) {
        counts.resets += 1;
        recorded?.(0, '', 'proxy');
        req.socket.resetAndDestroy();
        return;
      }
      if (roll < resetFraction + serviceFailureFraction) {
        counts.serviceFailures += 1;
        return answerXml(res, 500, SERVICE_FAILURE_XML(requestId));
      }
      if (roll < resetFraction + serviceFailureFraction + throttleFraction) {
        counts.throttled += 1;
        return answerXml(res, 400, THROTTLING_XML(requestId));
      }
    }
    const answer = settings.respond?.(proxied);
    if (answer) {
      increment(counts.forwarded, proxied.action);
      return answerXml(res, answer.status, answer.xml);
    }
    await settings.onRequest?.(proxied);
    const paging = settings.pageSize !== undefined && PAGED_ACTIONS[proxied.action];
    await forward(
      req,
      body,
      res,
      paging ? pager(proxied.params, paging, settings.pageSize ?? 100) : undefined,
      recorded,
    );
    increment(counts.forwarded, proxied.action);
    if (
      proxied.action === 'UpdateSigningCertificate' ||
      proxied.action === 'DeleteSigningCertificate'
    ) {
      increment(counts.changesByCertificate, proxied.params.get('CertificateId') ?? '');
    }
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
    rewrite?: (xml: string) => string,
    recorded?: (status: number, answer: string, answeredBy: 'emulator') => void,
  ) =>
    new Promise<void>((resolve, reject) => {
      const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
      // A proxy behind this one (the suite's own, in front of moto) must not record it again.
      if (recorder) headers[RECORDED_HEADER] = '1';
      const upstreamRequest = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (upstreamResponse) => {
          upstreamResponse.on('error', reject);
          readBody(upstreamResponse)
            .then((buffer) => {
              const status = upstreamResponse.statusCode ?? 502;
              recorded?.(status, buffer.toString('utf8'), 'emulator');
              if (rewrite === undefined || status !== 200) {
                res.writeHead(status, upstreamResponse.headers);
                res.end(buffer);
                resolve();
                return;
              }
              const xml = rewrite(buffer.toString('utf8'));
              res.writeHead(200, {
                ...upstreamResponse.headers,
                'content-length': Buffer.byteLength(xml),
              });
              res.end(xml);
              resolve();
            })
            .catch(reject);
        },
      );
      upstreamRequest.on('error', reject);
      upstreamRequest.end(body);
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${String(error)}`);
    });
  });
  // IAM's own keep-alive behaviour; the SDK reuses connections, and a reset must not stall it.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    configure(next) {
      settings = next;
      random = mulberry32(next.seed ?? 1);
      buckets = new Map();
    },
    resetCounts() {
      counts.received.clear();
      counts.forwarded.clear();
      counts.changesByCertificate.clear();
      counts.throttled = 0;
      counts.rateLimited = 0;
      counts.serviceFailures = 0;
      counts.resets = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The list actions the proxy can page, and the element holding their items. */
const PAGED_ACTIONS: Readonly<Record<string, string>> = {
  ListUsers: 'Users',
  ListSigningCertificates: 'Certificates',
};

/** Rewrites a complete list answer into the page the request's Marker and MaxItems ask for. */
function pager(params: URLSearchParams, element: string, pageSize: number) {
  const offset = Number(Buffer.from(params.get('Marker') ?? '', 'base64url').toString() || '0');
  const size = Math.min(Number(params.get('MaxItems') ?? '100'), pageSize);
  return (xml: string): string => {
    const list = new RegExp(`<${element}>([\\s\\S]*?)</${element}>|<${element}/>`).exec(xml);
    if (!list) return xml;
    const members = list[1]?.match(/<member>[\s\S]*?<\/member>/g) ?? [];
    const page = members.slice(offset, offset + size);
    const truncated = offset + size < members.length;
    const paging = truncated
      ? `<IsTruncated>true</IsTruncated><Marker>${Buffer.from(String(offset + size)).toString('base64url')}</Marker>`
      : '<IsTruncated>false</IsTruncated>';
    return xml
      .replace(list[0], `<${element}>${page.join('')}</${element}>`)
      .replace(/<IsTruncated>(true|false)<\/IsTruncated>/, '')
      .replace(`</${element}>`, `</${element}>${paging}`);
  };
}

/** The access key id a SigV4-signed request names (`Credential=<key>/<date>/…`), or `''`. */
export function callerOf(headers: IncomingHttpHeaders): string {
  const authorization = headers.authorization ?? '';
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? '';
}

/** Which service and action a request is, from its query-protocol form or JSON target header. */
export function describe(headers: IncomingHttpHeaders, body: Buffer): ProxiedRequest {
  const targetHeader = headers['x-amz-target'];
  if (typeof targetHeader === 'string') {
    const [prefix = '', action = ''] = targetHeader.split('.');
    return {
      service: prefix.startsWith('AmazonSQS') ? 'sqs' : 'other',
      action,
      params: new URLSearchParams(),
    };
  }
  const params = new URLSearchParams(body.toString('utf8'));
  const version = params.get('Version');
  const service = version === '2010-05-08' ? 'iam' : version === '2010-03-31' ? 'sns' : 'other';
  return { service, action: params.get('Action') ?? 'unknown', params };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded PRNG (mulberry32): the same seed gives the same faults. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** IAM's XML error envelope, for `respond`. */
export function iamErrorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>`;
}
