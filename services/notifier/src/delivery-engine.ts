import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, deadLetter, Gauge, Histogram, type Logger, type Registry } from '@downradar/common';
import type { DlqRecord, IncidentEvent } from '../../../schemas/events/index';
import { nextAttemptAt, type BackoffPolicy } from './backoff';
import type { Subscription } from './subscription';
import { urlOrigin } from './subscription';
import type { SubscriptionStore } from './subscription-store';
import type { WebhookRetryRecord } from './retry-record';
import { postWebhook, webhookBody, webhookHeaders, type AttemptOutcome } from './webhook-request';
import { createDestinationGuard, type DestinationGuard } from './destination-guard';

/**
 * The delivery engine: one job per (subscription, eventId), each running its own retry
 * schedule in memory, behind a per-subscription limit of concurrent requests. Nothing here
 * knows Kafka: the consumers decide when a job's state must be checkpointed, and dead letters
 * go out through the injected `deadLetter`.
 *
 * A job ends (settles) as delivered, dead-lettered (after a refusal, the last attempt, or the
 * retry horizon) or dropped (its subscription was deleted). Settled keys are remembered in a
 * bounded set, so an alert or checkpoint seen again in this process is not sent twice.
 */
export interface DeliveryPolicy extends BackoffPolicy {
  maxAttempts: number;
  horizonMs: number;
  requestTimeoutMs: number;
  concurrencyPerSubscription: number;
}

export type Settlement =
  | { result: 'delivered'; attempts: number }
  | { result: 'dead_lettered'; attempts: number; code: string; reason: string }
  | { result: 'dropped'; attempts: number; reason: string };

export interface DeliveryJob {
  readonly key: string;
  readonly subscriptionId: string;
  readonly event: IncidentEvent;
  attempts: number;
  firstAttemptAt: number | undefined;
  nextAttemptAt: number;
  lastError: string | undefined;
  inFlight: boolean;
  settlement: Settlement | undefined;
  readonly settled: Promise<Settlement>;
}

export interface DeliveryEngineOptions {
  store: SubscriptionStore;
  policy: DeliveryPolicy;
  /** Resolves once the dead-letter record is acknowledged; rejections are retried. */
  deadLetter(record: DlqRecord, subscriptionId: string): Promise<void>;
  logger?: Logger;
  registry?: Registry;
  nameOf?: (serviceId: string) => string;
  deliveredSetSize?: number;
  /** Where deliveries may go (destination-guard.ts); default: the rules with no allowlist. */
  guard?: DestinationGuard;
  /** Injected in unit tests. */
  post?: (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<AttemptOutcome>;
  now?: () => number;
  random?: () => number;
}

export interface DeliveryEngine {
  /** The job for this delivery: the running one, a new one (resumed from a checkpoint when given), or an already settled one. */
  enqueue(sub: Subscription, event: IncidentEvent, resume?: WebhookRetryRecord): DeliveryJob;
  /**
   * Waits until every job has settled or the patience has run out, and returns the jobs still
   * pending, which the caller must checkpoint before it commits. With `parkEarly`, a job that
   * sits in a backoff ending after the deadline is returned at once rather than waited for.
   */
  awaitSettledOrPatience(jobs: DeliveryJob[], patienceMs: number, opts?: { parkEarly?: boolean; heartbeat?: () => Promise<void> }): Promise<DeliveryJob[]>;
  checkpointOf(job: DeliveryJob): WebhookRetryRecord;
  readonly pending: number;
  /**
   * Shutdown, step 1: every wait returns its pending jobs at once, so the consumers checkpoint
   * them and commit quickly. Jobs keep running until close().
   */
  drain(): void;
  /** Shutdown, step 2: stops every job where it is (their state is in Kafka: an uncommitted alert or a checkpoint). */
  close(): void;
}

const SECOND = 1000;

class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async acquire(signal: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}

/** A Map in insertion order, trimmed from the oldest end: the bounded delivered-set. */
class BoundedSet<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

export function deliveryKey(subscriptionId: string, eventId: string): string {
  return `${subscriptionId}|${eventId}`;
}

export function createDeliveryEngine(opts: DeliveryEngineOptions): DeliveryEngine {
  const { store, policy, logger } = opts;
  const now = opts.now ?? Date.now;
  const guard = opts.guard ?? createDestinationGuard();
  const post = opts.post ?? ((url: string, body: string, headers: Record<string, string>, timeoutMs: number) => postWebhook(url, body, headers, timeoutMs, guard));
  const jobs = new Map<string, DeliveryJob & { resolve(s: Settlement): void }>();
  const settled = new BoundedSet<Settlement>(opts.deliveredSetSize ?? 100_000);
  const limiters = new Map<string, Semaphore>();
  const closing = new AbortController();
  let draining = false;
  let pulseWaiters: Array<() => void> = [];

  const metrics = opts.registry ? makeMetrics(opts.registry, () => jobs.size) : undefined;

  /** Wakes every waiter: some job changed state. */
  function pulse(): void {
    const w = pulseWaiters;
    pulseWaiters = [];
    for (const f of w) f();
  }
  const nextPulse = () => new Promise<void>((r) => pulseWaiters.push(r));

  function limiterFor(id: string): Semaphore {
    let l = limiters.get(id);
    if (!l) limiters.set(id, (l = new Semaphore(policy.concurrencyPerSubscription)));
    return l;
  }

  function settle(job: DeliveryJob & { resolve(s: Settlement): void }, s: Settlement): void {
    job.settlement = s;
    jobs.delete(job.key);
    settled.set(job.key, s);
    metrics?.deliveries.inc({ result: s.result });
    job.resolve(s);
    pulse();
  }

  async function sendDeadLetter(job: DeliveryJob, sub: Subscription | undefined, code: string, reason: string): Promise<void> {
    const record = deadLetterRecord(job, sub, code, reason, now());
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.deadLetter(record, job.subscriptionId);
        return;
      } catch (err) {
        logger?.warn({ subscriptionId: job.subscriptionId, eventId: job.event.eventId, attempt, err: (err as Error).message }, 'dead-letter write failed, retrying');
        await sleep(Math.min(5 * SECOND, 100 * 2 ** Math.min(attempt, 6)), undefined, { signal: closing.signal });
      }
    }
  }

  async function run(job: DeliveryJob & { resolve(s: Settlement): void }): Promise<void> {
    const signal = closing.signal;
    for (;;) {
      let sub = store.get(job.subscriptionId);
      if (!sub) return settle(job, { result: 'dropped', attempts: job.attempts, reason: 'subscription deleted' });
      const wait = job.nextAttemptAt - now();
      if (wait > 0) {
        await sleep(wait, undefined, { signal });
        sub = store.get(job.subscriptionId);
        if (!sub) return settle(job, { result: 'dropped', attempts: job.attempts, reason: 'subscription deleted' });
      }
      const limiter = limiterFor(sub.id);
      await limiter.acquire(signal);
      let outcome: AttemptOutcome;
      const started = now();
      try {
        job.inFlight = true;
        job.attempts++;
        job.firstAttemptAt ??= started;
        pulse();
        const body = webhookBody(sub, job.event, opts.nameOf);
        const headers = webhookHeaders({
          secret: sub.secret,
          body,
          eventId: job.event.eventId,
          subscriptionId: sub.id,
          attempt: job.attempts,
          eventType: job.event.type,
          now: started,
        });
        outcome = await post(sub.url, body, headers, policy.requestTimeoutMs);
      } finally {
        job.inFlight = false;
        limiter.release();
      }
      const tookMs = now() - started;
      metrics?.duration.observe({ outcome: outcome.ok ? 'ok' : outcome.retriable ? 'retriable' : 'refused' }, tookMs);
      metrics?.attempts.inc({ outcome: outcome.ok ? 'ok' : outcome.retriable ? 'retriable' : 'refused' });
      if (outcome.ok) {
        logger?.debug({ subscriptionId: sub.id, eventId: job.event.eventId, attempt: job.attempts, tookMs }, 'webhook delivered');
        return settle(job, { result: 'delivered', attempts: job.attempts });
      }
      job.lastError = `${outcome.code}: ${outcome.reason}`.slice(0, 500);
      if (!outcome.retriable) {
        const byNotifier = outcome.refusedBy === 'notifier';
        const reason = byNotifier ? `destination refused by the notifier (rule: ${outcome.rule}): ${outcome.reason}` : `refused by the receiver after ${job.attempts} attempt(s): ${outcome.reason}`;
        await sendDeadLetter(job, sub, outcome.code, reason);
        logger?.warn(
          { subscriptionId: sub.id, url: urlOrigin(sub.url), eventId: job.event.eventId, code: outcome.code, ...(byNotifier ? { rule: outcome.rule } : {}) },
          byNotifier ? 'webhook destination refused: dead-lettered' : 'webhook refused: dead-lettered',
        );
        return settle(job, { result: 'dead_lettered', attempts: job.attempts, code: outcome.code, reason: outcome.reason });
      }
      const at = nextAttemptAt({
        attemptsMade: job.attempts,
        firstAttemptAt: job.firstAttemptAt ?? started,
        now: now(),
        retryAfterMs: outcome.retryAfterMs,
        policy,
        ...(opts.random ? { random: opts.random } : {}),
      });
      if (at === undefined) {
        const overS = Math.round((now() - (job.firstAttemptAt ?? started)) / SECOND);
        const reason = `gave up after ${job.attempts} attempt(s) over ${overS} s; last: ${outcome.reason}`;
        await sendDeadLetter(job, sub, 'GAVE_UP', reason);
        logger?.warn({ subscriptionId: sub.id, url: urlOrigin(sub.url), eventId: job.event.eventId, attempts: job.attempts, last: outcome.code }, 'webhook retries exhausted: dead-lettered');
        return settle(job, { result: 'dead_lettered', attempts: job.attempts, code: 'GAVE_UP', reason });
      }
      job.nextAttemptAt = at;
      metrics?.retries.inc();
      logger?.info({ subscriptionId: sub.id, url: urlOrigin(sub.url), eventId: job.event.eventId, attempt: job.attempts, code: outcome.code, retryInMs: at - now() }, 'webhook attempt failed, will retry');
      pulse();
    }
  }

  return {
    get pending() {
      return jobs.size;
    },

    enqueue(sub, event, resume) {
      const key = deliveryKey(sub.id, event.eventId);
      const done = settled.get(key);
      if (done) {
        metrics?.deliveries.inc({ result: 'duplicate_skipped' });
        return settledJob(key, sub.id, event, done);
      }
      const running = jobs.get(key);
      if (running) return running;
      let resolve!: (s: Settlement) => void;
      const settledPromise = new Promise<Settlement>((r) => (resolve = r));
      const job: DeliveryJob & { resolve(s: Settlement): void } = {
        key,
        subscriptionId: sub.id,
        event,
        attempts: resume?.attempts ?? 0,
        firstAttemptAt: resume?.firstAttemptAt,
        nextAttemptAt: resume?.nextAttemptAt ?? now(),
        lastError: resume?.lastError,
        inFlight: false,
        settlement: undefined,
        settled: settledPromise,
        resolve,
      };
      jobs.set(key, job);
      run(job).catch((err) => {
        // Only an abort (close) ends a job without settling it; its state is in Kafka.
        if (!closing.signal.aborted) logger?.error({ key, err: (err as Error).message }, 'delivery job failed');
        jobs.delete(key);
        pulse();
      });
      return job;
    },

    async awaitSettledOrPatience(list, patienceMs, o = {}) {
      const deadline = now() + patienceMs;
      let lastBeat = now();
      for (;;) {
        // Never drop a pending job from this list, closing or not: the caller commits what is
        // not in it.
        const pending = list.filter((j) => j.settlement === undefined);
        if (pending.length === 0) return [];
        const t = now();
        if (t >= deadline || draining || closing.signal.aborted) return pending;
        if (o.parkEarly && pending.every((j) => !j.inFlight && j.nextAttemptAt > deadline)) return pending;
        if (o.heartbeat && t - lastBeat >= 3 * SECOND) {
          lastBeat = t;
          await o.heartbeat().catch(() => undefined);
        }
        const p = nextPulse();
        await Promise.race([p, sleep(Math.min(deadline - t, 3 * SECOND))]);
      }
    },

    checkpointOf(job) {
      // A job caught mid-request is resumed after the request's timeout: by then that attempt
      // has either landed (a duplicate the receiver dedupes) or failed.
      const t = now();
      const nextAt = job.inFlight ? t + policy.requestTimeoutMs : Math.max(job.nextAttemptAt, t);
      return {
        subscriptionId: job.subscriptionId,
        eventId: job.event.eventId,
        attempts: job.attempts,
        ...(job.firstAttemptAt === undefined ? {} : { firstAttemptAt: job.firstAttemptAt }),
        nextAttemptAt: nextAt,
        ...(job.lastError === undefined ? {} : { lastError: job.lastError }),
        checkpointedAt: t,
        event: job.event,
      };
    },

    drain() {
      draining = true;
      pulse();
    },

    close() {
      draining = true;
      closing.abort(new Error('notifier closing'));
      pulse();
    },
  };
}

function settledJob(key: string, subscriptionId: string, event: IncidentEvent, s: Settlement): DeliveryJob {
  return {
    key,
    subscriptionId,
    event,
    attempts: s.attempts,
    firstAttemptAt: undefined,
    nextAttemptAt: 0,
    lastError: undefined,
    inFlight: false,
    settlement: s,
    settled: Promise.resolve(s),
  };
}

/**
 * The webhooks-dlq record: the general DlqRecord shape, the alert as payload. A delivery has no
 * Kafka position of its own (one alert makes one delivery per subscription): subscription and
 * event name it, so a delivery given up twice (after a crash) is one record.
 */
export function deadLetterRecord(job: Pick<DeliveryJob, 'subscriptionId' | 'event' | 'attempts'>, sub: Subscription | undefined, code: string, reason: string, at: number): DlqRecord {
  return deadLetter({
    id: `${job.subscriptionId}:${job.event.eventId}`,
    at,
    origin: `notifier webhook ${job.subscriptionId}${sub ? ' ' + urlOrigin(sub.url) : ''}`,
    code: ('WEBHOOK_' + code.toUpperCase().replace(/[^A-Z0-9_]/g, '_')).slice(0, 64),
    reason,
    payload: job.event,
  });
}

function makeMetrics(registry: Registry, pendingNow: () => number) {
  return {
    deliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'webhook deliveries by final result (delivered, dead_lettered, dropped, duplicate_skipped)',
      labelNames: ['result'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'HTTP attempts by outcome (ok, retriable, refused)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    retries: new Counter({ name: 'webhook_retries_scheduled_total', help: 'failed attempts that were scheduled for another try', registers: [registry] }),
    duration: new Histogram({
      name: 'webhook_delivery_duration_ms',
      help: 'duration of one HTTP attempt in milliseconds',
      labelNames: ['outcome'],
      buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'webhook_deliveries_pending',
      help: 'deliveries not yet delivered or dead-lettered in this process',
      registers: [registry],
      collect() {
        this.set(pendingNow());
      },
    }),
  };
}
