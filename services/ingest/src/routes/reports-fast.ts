/**
 * POST /v1/reports (the public report button) answered in node's 'request' handler, before
 * fastify: the route's common case without fastify's per-request machinery (its request and reply
 * objects, the hook runner, the content-type parser's stream handling, the router). A single POST
 * cost ingest 166-207 µs of CPU under wrk (session 15) against 73-83 for fastify's hello-world;
 * node's parsing and fastify's routing and hooks were 14 % of it, writing the answer 9 %.
 *
 * The fast path answers what the fastify route answers, byte for byte in the body and the same
 * headers (reports-fast.test.ts compares them over many drawn requests):
 * - it takes only `POST /v1/reports` with content-type `application/json` (or with
 *   `; charset=utf-8`), a content-length from 1 to the single-event body limit and no
 *   transfer-encoding, while the app is not closing; every other request (other content types,
 *   chunked or empty or oversize bodies, a query string) goes to fastify
 *   untouched, which then does everything itself;
 * - load shedding first (503 OVERLOADED, Retry-After 5) from under-pressure's own measurement,
 *   then the per-address limit in @fastify/rate-limit's own store for the route (the same
 *   counters fastify's hook uses: SharedRateLimitStore), with its x-ratelimit-* headers and the
 *   429 with Retry-After;
 * - then the body: the same strict JSON reading (body.ts), the same compiled schema check as the
 *   route's (fastify's ajv compiler with the app's options) and its 400 naming the field, then the
 *   route's own steps (toReportEvent, the reporter limit, the recent-id set, produce.store: 202
 *   only once Kafka stored the report and its signal) with the same metrics;
 * - errors rendered as common's error handler renders them (HttpErrors with their headers, a 5xx
 *   with a cause or an unexpected error logged with the request id, which comes from the app's
 *   one counter: app.ts's genReqId).
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, HttpError, describeValidation } from '@downradar/common/http';
import type { Logger, ValidationIssue } from '@downradar/common';
import type { ReportInput } from '../../../../schemas/events/index';
import { decodeUtf8, parseJsonStrict } from '../body';
import { toReportEvent } from '../steps';
import { accepted, type RouteContext } from './context';

// @fastify/rate-limit's own store and its time formatting, resolved from the plugin itself.
const fromRateLimit = createRequire(createRequire(import.meta.url).resolve('@fastify/rate-limit'));

interface StoreResult {
  current: number;
  ttl: number;
}
interface RateLimitStore {
  incr(key: string, cb: (err: Error | null, res?: StoreResult) => void, timeWindow: number, max: number): void;
  child(params: object): RateLimitStore;
}
type LocalStoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number) => RateLimitStore;
const LocalStore = fromRateLimit('./store/LocalStore') as LocalStoreCtor;
const { format: formatMs } = fromRateLimit('@lukeed/ms') as { format(ms: number, long?: boolean): string };
const { normalizeIP } = fromRateLimit('@fastify/rate-limit') as { normalizeIP(ip: string, ipv6Subnet?: number): string };

/**
 * The rate-limit plugin's LocalStore, with the route stores it makes kept where the fast path can
 * reach them: both paths then count an address's requests in one place. Pass as the plugin's
 * `store`; `routeStore()` is the store of the (one) route with its own rateLimit config.
 */
export function sharedRateLimitStore() {
  let route: RateLimitStore | undefined;
  class SharedRateLimitStore implements RateLimitStore {
    private readonly local: RateLimitStore;
    constructor(params: { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number }) {
      this.local = new LocalStore(params.continueExceeding ?? false, params.exponentialBackoff ?? false, params.cache);
    }
    incr(key: string, cb: (err: Error | null, res?: StoreResult) => void, timeWindow: number, max: number): void {
      this.local.incr(key, cb, timeWindow, max);
    }
    child(params: object): RateLimitStore {
      if (route) throw new Error('the fast path shares one route rate-limit store; a second route with its own rateLimit config needs its own');
      route = this.local.child(params);
      return route;
    }
  }
  return {
    Store: SharedRateLimitStore,
    routeStore: (): RateLimitStore | undefined => route,
  };
}

/** body.ts's limit of a single event's JSON body (fastify answers 413 above it). */
export const SINGLE_BODY_LIMIT = 64 * 1024;
const DIGITS = /^[0-9]{1,6}$/;
const JSON_TYPE = 'application/json';
const JSON_UTF8_TYPE = 'application/json; charset=utf-8';

export interface FastReportDeps {
  ctx: RouteContext;
  reporterLimiter: RouteContext['reporterLimiter'];
  /** The route store of the per-address limit (set once fastify registered the route). */
  rateStore(): RateLimitStore | undefined;
  reportsPerIpPerMinute: number;
  /** The client address as fastify's request.ip gives it (X-Forwarded-For's with trustProxy). */
  clientAddress(req: IncomingMessage): string | undefined;
  /** under-pressure's last event-loop delay measurement (Infinity before the first). */
  eventLoopDelay(): number;
  maxEventLoopDelayMs: number;
  /** Fresh request id from the app's counter. */
  genReqId(): string;
  /** False while the app is closing (fastify then answers 503 and closes the connection). */
  open(): boolean;
  /** ajv's compiled check of ReportInput, as fastify compiled it for the route. */
  validate: ((value: unknown) => boolean) & { errors?: unknown[] | null };
  logger: Logger;
}

/** A JSON answer written as fastify's reply.send writes it (the same header names and order). */
function answer(res: ServerResponse, status: number, headers: Record<string, string | number>, body: unknown): void {
  const payload = JSON.stringify(body);
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = Buffer.byteLength(payload);
  res.writeHead(status, headers);
  res.end(payload);
}

/**
 * The request handler to put in front of fastify's: true when it took the request (and answers
 * it), false when fastify should have it.
 */
export function fastReportHandler(d: FastReportDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { ctx } = d;
  const { metrics, options } = ctx;
  const max = d.reportsPerIpPerMinute;

  /** common's error handler (services/common/src/http/errors.ts) for what the route can throw. */
  function fail(res: ServerResponse, headers: Record<string, string | number>, err: unknown): void {
    if (err instanceof HttpError) {
      for (const name in err.headers) headers[name] = err.headers[name] as string;
      if (err.statusCode >= 500 && err.cause !== undefined) {
        const id = d.genReqId();
        d.logger.child({ reqId: id }).error({ err: err.message, cause: (err.cause as Error)?.message ?? err.cause }, 'request failed');
        return answer(res, err.statusCode, headers, errorBody(err.statusCode, err.code, `${err.message} (request ${id})`, err.field));
      }
      return answer(res, err.statusCode, headers, errorBody(err.statusCode, err.code, err.message, err.field));
    }
    const id = d.genReqId();
    d.logger.child({ reqId: id }).error({ err }, 'request failed');
    answer(res, 500, headers, errorBody(500, 'INTERNAL', `internal error (request ${id})`));
  }

  function handle(res: ServerResponse, headers: Record<string, string | number>, body: Buffer): void {
    let value: unknown;
    try {
      value = parseJsonStrict(decodeUtf8(body), '(body)');
    } catch (err) {
      // fastify closes the connection after a body its parser refused (content-type-parser.js).
      headers['connection'] = 'close';
      return fail(res, headers, err);
    }
    if (!d.validate(value)) {
      const { field, message } = describeValidation('body', (d.validate.errors ?? []) as ValidationIssue[]);
      return answer(res, 400, headers, errorBody(400, 'BAD_FIELD', message, field));
    }
    const t = ctx.now();
    let ev;
    try {
      ev = accepted(metrics, 'report', toReportEvent(value as ReportInput, { now: t, services: ctx.services, hashReporter: ctx.hashReporter, source: 'web' }));
      // routes/context.ts's storeOne, with the reporter limit of reports.route.ts as `admit`
      if (ctx.recent.has(ev.id)) {
        metrics.duplicates.inc({ kind: 'report' });
        return answer(res, 202, headers, { id: ev.id, status: 'duplicate' });
      }
      if (!d.reporterLimiter.hit(ev.reporterHash + ':' + ev.serviceId, t)) {
        metrics.rejected.inc({ kind: 'report', code: 'REPORTER_RATE_LIMITED' });
        throw new HttpError(429, 'REPORTER_RATE_LIMITED', `reporterId sent more than ${options.reportsPerReporterPer15Min} reports for ${ev.serviceId} in 15 minutes`, 'reporterId', {
          'retry-after': String(d.reporterLimiter.retryAfterS(t)),
        });
      }
      const id = ev.id;
      ctx.produce.store([ctx.produce.reportMessages(ev, id)]).then(
        () => {
          metrics.accepted.inc({ kind: 'report' });
          answer(res, 202, headers, { id, status: 'accepted' });
        },
        (err: unknown) => fail(res, headers, err),
      );
    } catch (err) {
      fail(res, headers, err);
    }
  }

  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/reports' || !d.open()) return false;
    const h = req.headers;
    const type = h['content-type'];
    if (type !== JSON_TYPE && type !== JSON_UTF8_TYPE) return false;
    const length = h['content-length'];
    if (length === undefined || h['transfer-encoding'] !== undefined || !DIGITS.test(length)) return false;
    const bytes = Number(length);
    if (bytes === 0 || bytes > SINGLE_BODY_LIMIT) return false;
    const ip = d.clientAddress(req);
    const store = d.rateStore();
    if (ip === undefined || store === undefined) return false;

    // under-pressure's onRequest hook (app.ts's pressureHandler: no measurement is no overload)
    const delay = d.eventLoopDelay();
    if (delay > d.maxEventLoopDelayMs && Number.isFinite(delay)) {
      answer(res, 503, { 'retry-after': '5' }, errorBody(503, 'OVERLOADED', 'ingest is overloaded, retry later'));
      return true;
    }
    // @fastify/rate-limit's onRequest hook for the route
    let result: StoreResult | undefined;
    // normalizeIP lower-cases an IPv4 address (a no-op on its digits and dots) after testing it
    // against the IPv6 pattern (visible in the profile); an address with a colon goes through it.
    store.incr(ip.includes(':') ? normalizeIP(ip) : ip, (_err, r) => (result = r), 60_000, max);
    const current = result?.current ?? 0;
    const ttlInSeconds = Math.ceil((result?.ttl ?? 0) / 1000);
    if (current > max) {
      const headers: Record<string, string | number> = { 'x-ratelimit-limit': max, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': ttlInSeconds, 'retry-after': ttlInSeconds };
      answer(
        res,
        429,
        headers,
        errorBody(429, 'RATE_LIMITED', `more than ${max} reports per minute from this address; retry after ${formatMs(ttlInSeconds * 1000, true)}`, '(client address)'),
      );
      return true;
    }
    const headers: Record<string, string | number> = { 'x-ratelimit-limit': max, 'x-ratelimit-remaining': Math.max(0, max - current), 'x-ratelimit-reset': ttlInSeconds };

    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    req.on('data', (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    req.on('end', () => {
      const body = more ? Buffer.concat(more) : (first ?? Buffer.alloc(0));
      handle(res, headers, body);
    });
    req.on('error', () => res.destroy());
    return true;
  };
}
