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
import type { SourceWriter } from '../kafka/source-writer';
import type { SourceMetrics } from '../metrics';
import type { PostPipeline } from '../posts/post-pipeline';
import { MastodonCursor, timelineUrl } from './mastodon-cursor';
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
}

/** The key of the connector's record on the source-state topic. */
export const MASTODON_CURSOR_KEY = 'mastodon';
const PAGE = 40;

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
      instances: this.o.instances.map((i) => ({ instance: i, connected: this.sockets.get(i)?.readyState === WebSocket.OPEN, publicStream: this.o.publicStream && !this.publicDenied.has(i) })),
      updates: this.stats.updates,
      postsProduced: this.stats.postsProduced,
      deadLetters: this.stats.deadLetters,
    };
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
      const delay = backoffDelay(Math.max(0, failures - 1), this.o.backoff);
      this.d.logger.warn({ instance, received, delayMs: delay }, 'mastodon: stream closed; reconnecting');
      await sleep(delay, this.stopping.signal);
    }
  }

  private connectOnce(instance: string): Promise<number> {
    const url = streamingUrl(instance);
    this.stats.connects++;
    return new Promise((resolve) => {
      let received = 0;
      const headers: Record<string, string> = { 'user-agent': 'downradar (+https://github.com/downradar)' };
      if (this.o.accessToken) headers.authorization = `Bearer ${this.o.accessToken}`;
      const ws = new WebSocket(url, { headers, handshakeTimeout: 10_000, maxPayload: 4 * 1024 * 1024 });
      this.sockets.set(instance, ws);
      ws.on('open', () => {
        this.d.metrics.connections.inc({ connector: 'mastodon', result: 'open' });
        for (const sub of subscriptions(this.o.hashtags, this.o.publicStream && !this.publicDenied.has(instance))) ws.send(sub);
        this.d.logger.info({ url, hashtags: this.o.hashtags.length, public: this.o.publicStream && !this.publicDenied.has(instance) }, 'mastodon: connected and subscribed');
        // Subscribed first, then the gap: a status published meanwhile comes through both and is
        // produced once.
        const from = this.cursor.gapFrom(instance);
        if (from !== undefined) {
          const fill = this.fillGap(instance, from).catch((err: unknown) => {
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
        this.d.logger.warn({ url, status: res.statusCode }, 'mastodon: the instance refused the stream');
        res.resume();
        ws.terminate();
      });
      ws.on('error', (err) => {
        this.d.metrics.connections.inc({ connector: 'mastodon', result: 'error' });
        this.d.logger.warn({ url, err: err.message }, 'mastodon: connection error');
      });
      ws.on('close', () => {
        if (this.sockets.get(instance) === ws) this.sockets.delete(instance);
        resolve(received);
      });
    });
  }

  /**
   * Reads what the instance published since `from` from its timelines API, page by page (oldest
   * page first), through the same path as streamed statuses.
   */
  private async fillGap(instance: string, from: string): Promise<void> {
    // A public stream that was refused is not known to be refused until its error arrives; the
    // hashtag timelines are always readable, the public one only where the stream is.
    const streams = this.o.publicStream && !this.publicDenied.has(instance) ? [{ kind: 'public' as const }] : this.o.hashtags.map((tag) => ({ kind: 'hashtag' as const, tag }));
    let requests = 0;
    let statuses = 0;
    let unfinished = 0;
    const headers: Record<string, string> = { 'user-agent': 'downradar (+https://github.com/downradar)', accept: 'application/json' };
    if (this.o.accessToken) headers.authorization = `Bearer ${this.o.accessToken}`;
    for (const stream of streams) {
      let minId = from;
      for (;;) {
        if (this.stopping.signal.aborted || this.fenced) return;
        if (requests >= this.o.fillMaxRequests) {
          unfinished++;
          break;
        }
        if (requests > 0 && this.o.fillIntervalMs > 0) {
          await sleep(this.o.fillIntervalMs, this.stopping.signal);
          if (this.stopping.signal.aborted) return;
        }
        requests++;
        this.stats.fillRequests++;
        const res = await fetch(timelineUrl(instance, stream, minId, PAGE), { headers, signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.o.requestTimeoutMs ?? 10_000)]) });
        if (!res.ok) {
          await res.body?.cancel();
          this.d.logger.warn({ instance, stream: stream.kind === 'public' ? 'public' : `#${stream.tag}`, status: res.status }, 'mastodon: timeline not readable; gap not filled there');
          break;
        }
        const page: unknown = await res.json();
        if (!Array.isArray(page)) {
          this.deadLetter('BAD_TIMELINE', 'timeline answer is not a JSON array', JSON.stringify(page).slice(0, 10_000), this.now());
          break;
        }
        // Newest first within a page: read it oldest first, as the stream would have sent it.
        for (const status of [...page].reverse()) {
          statuses++;
          this.stats.filledStatuses++;
          this.onStatus(instance, status, JSON.stringify(status), this.now());
        }
        const ids = page.flatMap((st) => (typeof (st as { id?: unknown })?.id === 'string' ? [(st as { id: string }).id] : []));
        if (page.length < PAGE || ids.length === 0) break;
        minId = ids.reduce((a, b) => (a.length !== b.length ? (a.length > b.length ? a : b) : a > b ? a : b));
      }
    }
    this.d.logger.info({ instance, from, requests, statuses, unfinished }, unfinished > 0 ? 'mastodon: gap partly filled (request budget spent)' : 'mastodon: gap filled');
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
