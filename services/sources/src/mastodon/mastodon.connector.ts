/**
 * Mastodon instances over the streaming API's WebSocket: one connection per instance, one
 * subscription per catalog hashtag and, where the instance allows it, the public stream. An
 * access token is optional (sent as a Bearer header, never in the URL, so it stays out of logs).
 *
 * The streaming API has no replay cursor, so the connector keeps its own (mastodon-cursor.ts): the
 * newest status id per instance and the post ids produced lately, committed in the same Kafka
 * transaction as the posts every commitMs. When a connection opens and the cursor knows the
 * instance (a reconnect, or a restart of the process), the gap is filled from the timelines API
 * (the public timeline where the public stream is read, else each hashtag's), from rewindMs before
 * the newest id, within a request budget; what was already produced is recognised and skipped. The
 * same post from several instances is produced once (ids come from the status's uri).
 */
import WebSocket from 'ws';
import { contentId, deadLetter } from '@downradar/common/dead-letter';
import { isFenced, type Logger, type TxnMessage } from '@downradar/common';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff';
import { FailureReport } from '../failure-report';
import type { SourceWriter } from '../kafka/source-writer';
import type { SourceMetrics } from '../metrics';
import type { PostPipeline } from '../posts/post-pipeline';
import { compareIds, describeStream, hashtagStreams, MastodonCursor, newestId, rateLimitWaitMs, snowflakeMs, timelineUrl, type FillStream } from './mastodon-cursor';
import { readStreamMessage, statusToPost } from './mastodon-status';

export interface MastodonOptions {
  instances: string[];
  accessToken?: string | undefined;
  publicStream: boolean;
  hashtags: string[];
  commitMs: number;
  backoff: BackoffOptions;
  /** A gap fill starts this long before the newest status id seen on the instance. */
  rewindMs: number;
  /** Most timelines API requests one gap fill may make (the instance's rate limit is per IP). */
  fillMaxRequests: number;
  /** Pause between two of those requests. */
  fillIntervalMs: number;
  requestTimeoutMs?: number;
  /** A failure that repeats is logged at most once per this long (failure-report.ts); default 5 min. */
  repeatLogMs?: number;
}

/** The key of the connector's record on the source-state topic. */
export const MASTODON_CURSOR_KEY = 'mastodon';
const PAGE = 40;
/** The longest wait for a rate-limit reset within one gap fill (Mastodon's window is 5 minutes). */
const MAX_RATE_LIMIT_WAIT_MS = 5 * 60_000;

/** What the last gap fill of an instance did, and what it could not read (in /readyz). */
export interface GapReport {
  at: string;
  from: string;
  requests: number;
  statuses: number;
  complete: boolean;
  unfilled: { stream: string; fromId: string; from: string | null; until: string; seconds: number | null; reason: string }[];
}

export interface MastodonDeps {
  writer: SourceWriter;
  pipeline: PostPipeline;
  hashAuthor(id: string): string;
  logger: Logger;
  metrics: SourceMetrics;
  now?: () => number;
}

/** https://host -> wss://host/api/v1/streaming */
export function streamingUrl(instance: string): string {
  const u = new URL(instance);
  u.protocol = u.protocol === 'http:' ? 'ws:' : 'wss:';
  u.pathname = '/api/v1/streaming';
  u.search = '';
  return u.toString();
}

/** The subscribe messages for one instance. */
export function subscriptions(hashtags: readonly string[], publicStream: boolean): string[] {
  const out = hashtags.map((tag) => JSON.stringify({ type: 'subscribe', stream: 'hashtag', tag }));
  if (publicStream) out.unshift(JSON.stringify({ type: 'subscribe', stream: 'public' }));
  return out;
}

class SeenIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string) {
    return this.current.has(id) || this.previous.has(id);
  }
  add(id: string) {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
  }
}

export class MastodonConnector {
  private pending: TxnMessage[] = [];
  private readonly seen = new SeenIds(100_000);
  private cursor: MastodonCursor;
  private fills = new Set<Promise<void>>();
  private readonly sockets = new Map<string, WebSocket>();
  private readonly publicDenied = new Set<string>();
  /** Per instance: a number per connection (a fill of an older connection stops), the first status id it streamed, the last fill. */
  private readonly connection = new Map<string, number>();
  private readonly streamStart = new Map<string, string>();
  private readonly gaps = new Map<string, GapReport>();
  private readonly failures = new Map<string, FailureReport>();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private fenced = false;
  private readonly now: () => number;
  readonly stats = { updates: 0, postsProduced: 0, deadLetters: 0, connects: 0, fillRequests: 0, filledStatuses: 0 };

  constructor(
    private readonly o: MastodonOptions,
    private readonly d: MastodonDeps,
  ) {
    this.now = d.now ?? Date.now;
    this.cursor = new MastodonCursor(o.rewindMs);
  }

  status() {
    return {
      instances: this.o.instances.map((i) => ({
        instance: i,
        health: this.failureReport(i).health(),
        connected: this.sockets.get(i)?.readyState === WebSocket.OPEN,
        publicStream: this.o.publicStream && !this.publicDenied.has(i),
        lastGapFill: this.gaps.get(i) ?? null,
      })),
      updates: this.stats.updates,
      postsProduced: this.stats.postsProduced,
      deadLetters: this.stats.deadLetters,
    };
  }

  private failureReport(instance: string): FailureReport {
    let r = this.failures.get(instance);
    if (r === undefined) this.failures.set(instance, (r = new FailureReport(this.d.logger, this.o.repeatLogMs ?? 300_000, this.now)));
    return r;
  }

  async start(): Promise<void> {
    const state = await this.d.writer.open();
    this.cursor = new MastodonCursor(this.o.rewindMs, undefined, MastodonCursor.parse(state.get(MASTODON_CURSOR_KEY)));
    this.loops = this.o.instances.map((i) => this.run(i));
    this.timer = setInterval(() => void this.flush(), this.o.commitMs);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.timer);
    for (const ws of this.sockets.values()) ws.close(1000, 'stopping');
    await Promise.all(this.loops);
    await Promise.all(this.fills);
    await this.flush();
    await this.d.writer.close();
  }

  private async run(instance: string): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted && !this.fenced) {
      const received = await this.connectOnce(instance);
      if (this.stopping.signal.aborted) break;
      failures = received > 0 ? 0 : failures + 1;
      // `attempt` counts the connections in a row that delivered nothing: the delay's step doubles
      // with it (backoff.ts), and every line says which step it drew from.
      const attempt = Math.max(0, failures - 1);
      const delay = backoffDelay(attempt, this.o.backoff);
      // A stream that delivered and dropped is news; an instance that could not be reached at all
      // was reported (rate-limited) by its connection error.
      if (received > 0) this.d.logger.warn({ instance, received, attempt, delayMs: delay }, 'mastodon: stream closed; reconnecting');
      else this.d.logger.debug({ instance, attempt, delayMs: delay }, 'mastodon: no stream; reconnecting');
      await sleep(delay, this.stopping.signal);
    }
  }

  private connectOnce(instance: string): Promise<number> {
    const url = streamingUrl(instance);
    this.stats.connects++;
    return new Promise((resolve) => {
      let received = 0;
      let refused = false;
      const connection = (this.connection.get(instance) ?? 0) + 1;
      this.connection.set(instance, connection);
      this.streamStart.delete(instance);
      const headers: Record<string, string> = { 'user-agent': 'downradar (+https://github.com/downradar)' };
      if (this.o.accessToken) headers.authorization = `Bearer ${this.o.accessToken}`;
      const ws = new WebSocket(url, { headers, handshakeTimeout: 10_000, maxPayload: 4 * 1024 * 1024 });
      this.sockets.set(instance, ws);
      ws.on('open', () => {
        this.d.metrics.connections.inc({ connector: 'mastodon', result: 'open' });
        this.failureReport(instance).ok('mastodon: instance reachable again', { instance });
        for (const sub of subscriptions(this.o.hashtags, this.o.publicStream && !this.publicDenied.has(instance))) ws.send(sub);
        this.d.logger.info({ url, hashtags: this.o.hashtags.length, public: this.o.publicStream && !this.publicDenied.has(instance) }, 'mastodon: connected and subscribed');
        // Subscribed first, then the gap: a status published meanwhile comes through both and is
        // produced once.
        const from = this.cursor.gapFrom(instance);
        if (from !== undefined) {
          const fill = this.fillGap(instance, from, connection).catch((err: unknown) => {
            if (!this.stopping.signal.aborted) this.d.logger.warn({ instance, err: (err as Error).message }, 'mastodon: gap fill failed');
          });
          this.fills.add(fill);
          void fill.finally(() => this.fills.delete(fill));
        }
      });
      ws.on('message', (data: WebSocket.RawData) => {
        received++;
        this.onMessage(instance, (data as Buffer).toString('utf8'));
      });
      ws.on('unexpected-response', (_req, res) => {
        refused = true;
        this.failureReport(instance).fail('refused', `HTTP ${res.statusCode}`, { instance }, 'mastodon: the instance refused the stream');
        res.resume();
        ws.terminate();
      });
      ws.on('error', (err) => {
        this.d.metrics.connections.inc({ connector: 'mastodon', result: 'error' });
        if (!refused) this.failureReport(instance).fail('connect', err.message, { instance }, 'mastodon: cannot connect to the instance');
      });
      ws.on('close', () => {
        if (this.sockets.get(instance) === ws) this.sockets.delete(instance);
        resolve(received);
      });
    });
  }

  /**
   * Reads what the instance published since `from` from its timelines API, through the same path
   * as streamed statuses, oldest first: one page (40 statuses) per request with min_id, the
   * timelines taken in turn so that each gets its oldest page before any gets a second one. A
   * timeline is done when a page is short (it reached the present) or reaches the first status
   * this connection streamed (the stream has the rest). The instance's rate-limit headers are
   * honoured (a wait until X-RateLimit-Reset when none remain, or after a 429). The limit is
   * `fillMaxRequests` per fill: what it leaves unread, and what a refused timeline keeps, is
   * reported as a warning with its span, in sources_gap_unfilled_* and in /readyz.
   */
  private async fillGap(instance: string, from: string, connection: number): Promise<void> {
    const started = this.now();
    // A public stream that was refused is not known to be refused until its error arrives; the
    // hashtag timelines are always readable, the public one only where the stream is.
    const streams: FillStream[] = this.o.publicStream && !this.publicDenied.has(instance) ? [{ kind: 'public' }] : hashtagStreams(this.o.hashtags);
    const queue = streams.map((stream) => ({ stream, minId: from }));
    const unfilled: { stream: string; fromId: string; reason: string }[] = [];
    let requests = 0;
    let statuses = 0;
    const headers: Record<string, string> = { 'user-agent': 'downradar (+https://github.com/downradar)', accept: 'application/json' };
    if (this.o.accessToken) headers.authorization = `Bearer ${this.o.accessToken}`;
    let waitMs = 0;
    while (queue.length > 0) {
      if (this.stopping.signal.aborted || this.fenced || this.connection.get(instance) !== connection) return;
      if (requests >= this.o.fillMaxRequests) {
        for (const q of queue.splice(0)) unfilled.push({ stream: describeStream(q.stream), fromId: q.minId, reason: `request limit of ${this.o.fillMaxRequests} per gap fill reached` });
        break;
      }
      const pause = Math.max(waitMs, requests > 0 ? this.o.fillIntervalMs : 0);
      if (pause > 0) {
        await sleep(pause, this.stopping.signal);
        if (this.stopping.signal.aborted) return;
      }
      const q = queue.shift()!;
      requests++;
      this.stats.fillRequests++;
      let res: Response;
      try {
        res = await fetch(timelineUrl(instance, q.stream, q.minId, PAGE), { headers, signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.o.requestTimeoutMs ?? 10_000)]) });
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        unfilled.push({ stream: describeStream(q.stream), fromId: q.minId, reason: `timeline request failed: ${(err as Error).message}` });
        continue;
      }
      waitMs = rateLimitWaitMs(res.status, res.headers.get('x-ratelimit-remaining'), res.headers.get('x-ratelimit-reset'), this.now(), MAX_RATE_LIMIT_WAIT_MS);
      if (res.status === 429) {
        await res.body?.cancel();
        this.d.logger.info({ instance, waitS: Math.round(waitMs / 1000) }, 'mastodon: timelines API rate limit reached; the gap fill waits for its reset');
        queue.unshift(q);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        unfilled.push({ stream: describeStream(q.stream), fromId: q.minId, reason: `timeline refused: HTTP ${res.status}` });
        continue;
      }
      let page: unknown;
      try {
        page = await res.json();
      } catch (err) {
        page = `not JSON: ${(err as Error).message}`;
      }
      if (!Array.isArray(page)) {
        this.deadLetter('BAD_TIMELINE', 'timeline answer is not a JSON array', JSON.stringify(page ?? null).slice(0, 10_000), this.now());
        unfilled.push({ stream: describeStream(q.stream), fromId: q.minId, reason: 'timeline answer is not a JSON array' });
        continue;
      }
      // Newest first within a page: read it oldest first, as the stream would have sent it.
      for (const status of [...page].reverse()) {
        statuses++;
        this.stats.filledStatuses++;
        this.onStatus(instance, status, JSON.stringify(status), this.now());
      }
      const newest = newestId(page.flatMap((st) => (typeof (st as { id?: unknown })?.id === 'string' ? [(st as { id: string }).id] : [])));
      const streamed = this.streamStart.get(instance);
      const caughtUp = page.length < PAGE || newest === undefined || (streamed !== undefined && compareIds(newest, streamed) >= 0);
      if (!caughtUp) queue.push({ stream: q.stream, minId: newest });
    }
    const untilMs = snowflakeMs(this.streamStart.get(instance) ?? '') ?? started;
    const gap: GapReport = { at: new Date(started).toISOString(), from, requests, statuses, complete: unfilled.length === 0, unfilled: [] };
    for (const u of unfilled) {
      const fromMs = snowflakeMs(u.fromId);
      const seconds = fromMs === undefined ? null : Math.max(0, Math.round((untilMs - fromMs) / 1000));
      gap.unfilled.push({ stream: u.stream, fromId: u.fromId, from: fromMs === undefined ? null : new Date(fromMs).toISOString(), until: new Date(untilMs).toISOString(), seconds, reason: u.reason });
      if (seconds !== null) this.d.metrics.gapUnfilledSeconds.inc({ connector: 'mastodon', instance }, seconds);
    }
    this.gaps.set(instance, gap);
    this.d.metrics.gapFills.inc({ connector: 'mastodon', instance, outcome: gap.complete ? 'complete' : 'partial' });
    if (gap.complete) this.d.logger.info({ instance, from, requests, statuses }, 'mastodon: gap filled');
    else {
      // Said once per fill, with what exactly is missing: the statuses of those timelines between
      // `from` and `until` that were neither streamed nor read back.
      this.d.logger.warn(
        { instance, from, requests, statuses, unfilledTimelines: gap.unfilled.length, unfilled: gap.unfilled.slice(0, 10), ...(gap.unfilled.length > 10 ? { moreUnfilled: gap.unfilled.length - 10 } : {}) },
        'mastodon: gap not completely filled; statuses of these timelines between `from` and `until` are missing',
      );
    }
  }

  private onMessage(instance: string, text: string): void {
    const now = this.now();
    const m = readStreamMessage(text);
    if (m.type === 'error') {
      // An instance that keeps its public timeline to members answers the public subscription
      // with an error; the hashtag streams go on.
      if (/public|auth|token|forbidden|access/i.test(m.message) && !this.publicDenied.has(instance) && this.o.publicStream) {
        this.publicDenied.add(instance);
        this.d.logger.warn({ instance, error: m.message }, 'mastodon: the public stream is not allowed here; hashtag streams only');
      } else this.d.logger.warn({ instance, error: m.message }, 'mastodon: stream error');
      return;
    }
    if (m.type === 'other') return;
    if (m.type === 'invalid') return this.deadLetter('BAD_FRAME', m.reason, text, now);
    this.stats.updates++;
    const id = (m.status as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && !this.streamStart.has(instance)) this.streamStart.set(instance, id);
    this.onStatus(instance, m.status, text, now);
  }

  private onStatus(instance: string, status: unknown, text: string, now: number): void {
    const statusId = typeof (status as { id?: unknown } | null)?.id === 'string' ? (status as { id: string }).id : undefined;
    if (statusId !== undefined) this.cursor.advance(instance, statusId);
    const v = statusToPost(status, instance, this.d.hashAuthor);
    if (v.type === 'skip') return void this.d.metrics.events.inc({ connector: 'mastodon', outcome: 'skipped' });
    if (v.type === 'invalid') return this.deadLetter('BAD_STATUS', v.reason, text, now);
    if (this.seen.has(v.candidate.id) || this.cursor.produced(v.candidate.id)) return void this.d.metrics.events.inc({ connector: 'mastodon', outcome: 'duplicate' });
    const r = this.d.pipeline.process(v.candidate, now, v.tags);
    if (r.kind === 'invalid') return this.deadLetter(r.code, `${r.field} ${r.reason}`, text, now);
    this.seen.add(v.candidate.id);
    if (r.kind === 'irrelevant') return void this.d.metrics.events.inc({ connector: 'mastodon', outcome: 'irrelevant' });
    for (const msg of this.d.writer.postMessages(r.post, r.signals)) this.pending.push(msg);
    this.cursor.markProduced(v.candidate.id, statusId ?? '', now);
    this.stats.postsProduced++;
    this.d.metrics.events.inc({ connector: 'mastodon', outcome: 'post' });
  }

  private deadLetter(code: string, reason: string, text: string, now: number): void {
    this.stats.deadLetters++;
    this.d.metrics.events.inc({ connector: 'mastodon', outcome: 'dead_letter' });
    this.pending.push(this.d.writer.dlqMessage(deadLetter({ id: contentId('sources', 'mastodon', text), at: now, origin: 'mastodon streaming (sources)', code, reason, payload: text })));
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if ((this.pending.length === 0 && !this.cursor.dirty) || this.fenced) return Promise.resolve();
    const messages = this.pending;
    this.pending = [];
    // The cursor as of these messages: a later status is not in them and must not be in it.
    const state = { [MASTODON_CURSOR_KEY]: JSON.stringify(this.cursor.snapshot()) };
    this.flushing = this.d.writer
      .commit(messages, state)
      .then(() => {
        for (const m of messages) this.d.metrics.produced.inc({ connector: 'mastodon', topic: m.topic });
      })
      .catch(async (err: unknown) => {
        if (isFenced(err)) {
          this.fenced = true;
          this.d.logger.error('mastodon: another instance took over this connector (fenced); stopping it here');
          for (const ws of this.sockets.values()) ws.close(1000, 'fenced');
          return;
        }
        // Not written: keep them for the next commit, with a fresh producer.
        this.pending = messages.concat(this.pending);
        this.cursor.markDirty();
        this.d.logger.warn({ err: (err as Error).message, waiting: this.pending.length }, 'mastodon: commit failed; will retry');
        await this.d.writer.open().catch(() => undefined);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }
}
