import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import sjson from 'secure-json-parse';
import type { Registry } from 'prom-client';
import { Counter, Histogram, compileValidator, joinCluster, presentedKey, serviceMetrics, serviceReport, type ApiKeyStore, type HealthReport, type Logger, type OutMessage, type Producer, type TopicNames } from '@downradar/common';
import { PostInput, ReportInput, type PostEvent, type ReportEvent, type SignalEvent } from '../../../schemas/events/index';
import { RecentIds } from './recent-ids';
import { WindowLimiter } from './rate-limiter';
import { toPostEvent, toReportEvent, type ServiceLookup, type StepResult } from './steps';

export interface Understanding {
  signalForReport(report: ReportEvent): SignalEvent;
  /** The post's signals and the language detected in its text (stored on the post as detectedLang). */
  readPost(post: PostEvent): { language: string; signals: SignalEvent[] };
}

export interface IngestOptions {
  reportsPerIpPerMinute: number;
  reportsPerReporterPer15Min: number;
  batchMaxLines: number;
  batchMaxBytes: number;
  produceTimeoutMs: number;
  maxEventLoopDelayMs: number;
  trustProxy: boolean;
}

export interface IngestDeps {
  options: IngestOptions;
  producer: Producer;
  topics: TopicNames;
  understanding: Understanding;
  services: ServiceLookup;
  hashReporter(id: string): string;
  apiKeys: ApiKeyStore;
  logger: Logger;
  registry: Registry;
  /** Whether Kafka answers (for /readyz). */
  kafkaReady(): Promise<boolean>;
  now?: () => number;
}

/** A 4xx/5xx carrying the code, the field and the reason; the error handler renders it. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const SINGLE_BODY_LIMIT = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new HttpError(400, 'BAD_ENCODING', 'body is not valid UTF-8', '(body)');
  }
}

function parseJsonStrict(text: string, field: string): unknown {
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const msg = (err as Error).message;
    if (/prototype|constructor/i.test(msg)) throw new HttpError(400, 'FORBIDDEN_KEY', `${field} contains a __proto__ or constructor key`, field);
    throw new HttpError(400, 'BAD_JSON', `${field} is not valid JSON: ${msg}`, field);
  }
}

export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const { options, producer, topics, understanding, logger } = deps;
  const now = deps.now ?? Date.now;
  const recent = new RecentIds();
  const reporterLimiter = new WindowLimiter(options.reportsPerReporterPer15Min, 15 * 60_000);
  const checkReport = compileValidator(ReportInput);
  const checkPost = compileValidator(PostInput);

  const accepted = new Counter({ name: 'ingest_accepted_total', help: 'events acknowledged after Kafka stored them', labelNames: ['kind'], registers: [deps.registry] });
  const rejected = new Counter({ name: 'ingest_rejected_total', help: 'events refused, by code', labelNames: ['kind', 'code'], registers: [deps.registry] });
  const duplicates = new Counter({ name: 'ingest_duplicates_total', help: 'events already stored (same id)', labelNames: ['kind'], registers: [deps.registry] });
  const produceMs = new Histogram({
    name: 'ingest_produce_duration_ms',
    help: 'time from request to Kafka acknowledgement',
    buckets: [1, 2, 5, 10, 20, 50, 100, 250, 1000, 5000],
    registers: [deps.registry],
  });

  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy,
    bodyLimit: options.batchMaxBytes,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, useDefaults: false } },
  });

  // Bodies arrive as buffers so that invalid UTF-8 and __proto__ keys get a 400, not a crash
  // or a polluted object.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: SINGLE_BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, parseJsonStrict(decodeUtf8(body as Buffer), '(body)'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer', bodyLimit: options.batchMaxBytes }, (_req, body, done) => {
    try {
      done(null, decodeUtf8(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown[]; validationContext?: string }, req, reply) => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.status(err.statusCode).send({ statusCode: err.statusCode, code: err.code, error: statusText(err.statusCode), message: err.message, ...(err.field ? { field: err.field } : {}) });
    }
    if (err.validation) {
      const v = err.validation[0] as { instancePath?: string; keyword?: string; params?: Record<string, string>; message?: string };
      let field = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
      if (v.keyword === 'required') field = [field, v.params?.missingProperty].filter(Boolean).join('.');
      if (v.keyword === 'additionalProperties') field = [field, v.params?.additionalProperty].filter(Boolean).join('.');
      const reason = v.keyword === 'additionalProperties' ? 'is not an allowed field' : (v.message ?? 'is invalid');
      return reply.status(400).send({ statusCode: 400, code: 'BAD_FIELD', error: 'Bad Request', message: `${field || '(body)'} ${reason}`, field: field || '(body)' });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'BODY_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_CONTENT_TYPE' : status === 429 ? 'RATE_LIMITED' : (err.code ?? 'BAD_REQUEST');
      const message =
        status === 415 ? `content-type ${req.headers['content-type'] ?? '(none)'} is not accepted here (use application/json, or application/x-ndjson for batches)` : err.message;
      return reply.status(status).send({ statusCode: status, code, error: statusText(status), message, field: status === 415 ? 'content-type' : '(body)' });
    }
    req.log.error({ err: err.message }, 'internal error');
    return reply.status(500).send({ statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'internal error' });
  });

  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    retryAfter: 5,
    exposeStatusRoute: false,
    pressureHandler: (_req, reply, type, value) => {
      // under-pressure reports a sample interval without any delay measurement as an infinite
      // delay: the first measurement after start records nothing, so a process that stalls
      // through its first second (a busy machine) shed every request of the next second although
      // nothing was measured. No measurement is not an overload: let the request through.
      if (type === 'eventLoopDelay' && !Number.isFinite(value)) return;
      reply.header('retry-after', '5').status(503).send({ statusCode: 503, code: 'OVERLOADED', error: 'Service Unavailable', message: 'ingest is overloaded, retry later' });
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      error: 'Too Many Requests',
      message: `more than ${ctx.max} reports per minute from this address; retry after ${ctx.after}`,
      field: '(client address)',
    }),
  });

  /** Posting reports and posts in bulk needs a key with the `feed` scope (a subscriptions key gets 403). */
  const requireKey = async (req: FastifyRequest) => {
    const check = deps.apiKeys.authorize(presentedKey(req.headers), 'feed');
    if (check.ok) return;
    if (check.status === 401) throw new HttpError(401, 'UNAUTHORIZED', check.message, 'x-api-key');
    throw new HttpError(403, 'FORBIDDEN_SCOPE', check.message, 'x-api-key');
  };

  /**
   * Sends on their way, by event id. A client that retries an id (after a 503) while the first
   * send is still in a request to the broker waits for that send instead of writing the event a
   * second time: that request may already be in the log (the broker died before answering), and
   * the producer repeats it with the same sequence numbers, so the broker keeps one copy.
   */
  const unsettled = new Map<string, Promise<void>>();

  /**
   * Produce, and acknowledge only once Kafka has every event (a report and its signal travel in
   * one send). After produceTimeoutMs the client gets a 503 and retries with the same id: events
   * still queued are withdrawn (never written), events already sent stay in `unsettled`.
   */
  async function store(events: { id: string; messages: OutMessage[] }[]): Promise<void> {
    const started = performance.now();
    const giveUp = new AbortController();
    const sends = events.map(({ id, messages }) => {
      let send = unsettled.get(id);
      if (!send) {
        const own = producer.send(messages, { signal: giveUp.signal });
        unsettled.set(id, own);
        own
          .then(
            () => recent.add(id),
            () => undefined,
          )
          .finally(() => {
            if (unsettled.get(id) === own) unsettled.delete(id);
          });
        send = own;
      }
      return send;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(sends),
        new Promise((_, rej) => {
          timer = setTimeout(() => rej(new Error('timed out waiting for Kafka')), options.produceTimeoutMs);
        }),
      ]);
    } catch (err) {
      giveUp.abort();
      logger.warn({ err: (err as Error).message }, 'Kafka did not acknowledge');
      throw new HttpError(503, 'KAFKA_UNAVAILABLE', 'Kafka did not confirm the event in time; retry later with the same id (it is stored once)', undefined, { 'retry-after': '5' });
    } finally {
      clearTimeout(timer);
      produceMs.observe(performance.now() - started);
    }
  }

  function reportMessages(ev: ReportEvent): OutMessage[] {
    const signal = understanding.signalForReport(ev);
    return [
      { topic: topics.reports, key: ev.serviceId, value: JSON.stringify(ev) },
      { topic: topics.signals, key: signal.serviceId, value: JSON.stringify(signal) },
    ];
  }
  function postMessages(ev: PostEvent): OutMessage[] {
    const { language, signals } = understanding.readPost(ev);
    const out: OutMessage[] = [{ topic: topics.posts, key: ev.id, value: JSON.stringify({ ...ev, detectedLang: language }) }];
    for (const s of signals) out.push({ topic: topics.signals, key: s.serviceId, value: JSON.stringify(s) });
    return out;
  }
  const unwrap = <T>(r: StepResult<T>, kind: string): T => {
    if (r.ok) return r.value;
    rejected.inc({ kind, code: r.code });
    throw new HttpError(400, r.code, `${r.field} ${r.reason}`, r.field);
  };

  app.post(
    '/v1/reports',
    {
      schema: { body: ReportInput },
      config: { rateLimit: { max: options.reportsPerIpPerMinute, timeWindow: 60_000 } },
    },
    async (req: FastifyRequest<{ Body: ReportInput }>, reply: FastifyReply) => {
      const t = now();
      const ev = unwrap(toReportEvent(req.body, { now: t, services: deps.services, hashReporter: deps.hashReporter, source: 'web' }), 'report');
      if (recent.has(ev.id)) {
        duplicates.inc({ kind: 'report' });
        return reply.status(202).send({ id: ev.id, status: 'duplicate' });
      }
      if (!reporterLimiter.hit(ev.reporterHash + ':' + ev.serviceId, t)) {
        rejected.inc({ kind: 'report', code: 'REPORTER_RATE_LIMITED' });
        throw new HttpError(429, 'REPORTER_RATE_LIMITED', `reporterId sent more than ${options.reportsPerReporterPer15Min} reports for ${ev.serviceId} in 15 minutes`, 'reporterId', {
          'retry-after': String(reporterLimiter.retryAfterS(t)),
        });
      }
      await store([{ id: ev.id, messages: reportMessages(ev) }]);
      accepted.inc({ kind: 'report' });
      return reply.status(202).send({ id: ev.id, status: 'accepted' });
    },
  );

  app.post('/v1/posts', { schema: { body: PostInput }, preHandler: requireKey }, async (req: FastifyRequest<{ Body: PostInput }>, reply) => {
    const ev = unwrap(toPostEvent(req.body, now()), 'post');
    if (recent.has('p:' + ev.id)) {
      duplicates.inc({ kind: 'post' });
      return reply.status(202).send({ id: ev.id, status: 'duplicate' });
    }
    await store([{ id: 'p:' + ev.id, messages: postMessages(ev) }]);
    accepted.inc({ kind: 'post' });
    return reply.status(202).send({ id: ev.id, status: 'accepted' });
  });

  interface LineRejection {
    line: number;
    code: string;
    field: string;
    reason: string;
  }

  /** NDJSON batches: each line is checked on its own; good lines are stored together. */
  function batchRoute<T>(kind: 'report' | 'post', toEvent: (value: unknown, t: number, replay: boolean) => StepResult<T>, idOf: (e: T) => string, messagesOf: (e: T) => OutMessage[]) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      if (typeof req.body !== 'string')
        throw new HttpError(415, 'UNSUPPORTED_CONTENT_TYPE', 'batches are NDJSON: content-type application/x-ndjson', 'content-type');
      const lines = req.body.split('\n');
      if (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
      if (lines.length > options.batchMaxLines)
        throw new HttpError(413, 'TOO_MANY_LINES', `a batch holds at most ${options.batchMaxLines} lines (got ${lines.length})`, '(body)');
      const t = now();
      const replay = req.headers['x-downradar-replay'] === '1' || req.headers['x-downradar-replay'] === 'true';
      const rejections: LineRejection[] = [];
      const events: { id: string; messages: OutMessage[] }[] = [];
      const seenInBatch = new Set<string>();
      let dup = 0;
      for (let i = 0; i < lines.length; i++) {
        const text = lines[i]!.trim();
        if (text === '') {
          rejections.push({ line: i + 1, code: 'EMPTY_LINE', field: '(line)', reason: 'is empty' });
          continue;
        }
        let value: unknown;
        try {
          value = parseJsonStrict(text, '(line)');
        } catch (err) {
          const e = err as HttpError;
          rejections.push({ line: i + 1, code: e.code, field: '(line)', reason: e.message.replace(/^\(line\) /, '') });
          continue;
        }
        const r = toEvent(value, t, replay);
        if (!r.ok) {
          rejections.push({ line: i + 1, code: r.code, field: r.field, reason: r.reason });
          rejected.inc({ kind, code: r.code });
          continue;
        }
        const id = idOf(r.value);
        if (recent.has(id) || seenInBatch.has(id)) {
          dup++;
          continue;
        }
        seenInBatch.add(id);
        events.push({ id, messages: messagesOf(r.value) });
      }
      await store(events);
      accepted.inc({ kind }, events.length);
      if (dup) duplicates.inc({ kind }, dup);
      return reply.status(202).send({ accepted: events.length, duplicates: dup, rejected: rejections.length, rejections: rejections.slice(0, 1000) });
    };
  }

  app.post(
    '/v1/reports/batch',
    { preHandler: requireKey },
    batchRoute<ReportEvent>(
      'report',
      (value, t, replay) => {
        const c = checkReport(value);
        if (!c.ok) return { ok: false, code: 'BAD_FIELD', field: c.field, reason: c.reason };
        return toReportEvent(c.value, { now: t, services: deps.services, hashReporter: deps.hashReporter, source: replay ? 'replay' : 'api', replay });
      },
      (e) => e.id,
      reportMessages,
    ),
  );
  app.post(
    '/v1/posts/batch',
    { preHandler: requireKey },
    batchRoute<PostEvent>(
      'post',
      (value, t, replay) => {
        const c = checkPost(value);
        if (!c.ok) return { ok: false, code: 'BAD_FIELD', field: c.field, reason: c.reason };
        return toPostEvent(c.value, t, replay);
      },
      (e) => 'p:' + e.id,
      postMessages,
    ),
  );

  const health = (): HealthReport => ({ ok: true, status: 'ok' });
  const ready = async (): Promise<HealthReport> => {
    const ok = await Promise.race([deps.kafkaReady().catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
    return { ok, status: ok ? 'ready' : 'kafka unreachable' };
  };
  // With DOWNRADAR_INGEST_PROCESSES > 1 every worker answers these for all of them (cluster.ts).
  joinCluster({ registry: deps.registry, health, ready });
  app.get('/healthz', async (_req, reply) => {
    const r = await serviceReport('health', health);
    return reply.status(r.ok ? 200 : 503).send(r);
  });
  app.get('/readyz', async (_req, reply) => {
    const r = await serviceReport('ready', ready);
    return reply.status(r.ok ? 200 : 503).send(r);
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await serviceMetrics(deps.registry)));

  return app;
}

function statusText(code: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 503: 'Service Unavailable' } as Record<number, string>
  )[code] ?? 'Error';
}
