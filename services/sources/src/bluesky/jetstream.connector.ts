/**
 * Bluesky through Jetstream: a WebSocket of JSON commits (`wantedCollections=app.bsky.feed.post`),
 * posts about catalog services produced to downradar.posts and .signals, the cursor committed in
 * the same transaction (jetstream-cursor.ts says why that makes a restart lose and repeat nothing).
 *
 * Several endpoints: when one cannot be reached or drops, the next is tried, with a backoff that
 * doubles per failure and carries jitter; the cursor goes with it. If a commit fails (broker gone,
 * fenced), the connector forgets what it had not committed and starts again from the committed
 * cursor: exactly what a restart of the process would do.
 */
import WebSocket from 'ws';
import { deadLetter, contentId } from '@downradar/common/dead-letter';
import type { Logger, TxnMessage } from '@downradar/common';
import { isFenced } from '@downradar/common';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff';
import { FailureReport, type SourceHealth } from '../failure-report';
import type { SourceWriter } from '../kafka/source-writer';
import type { SourceMetrics } from '../metrics';
import type { PostPipeline } from '../posts/post-pipeline';
import { JetstreamCursor } from './jetstream-cursor';
import { POST_COLLECTION, readFrame } from './jetstream-frame';

export const BLUESKY_STATE_KEY = 'bluesky';

export interface JetstreamOptions {
  endpoints: string[];
  rewindMs: number;
  commitMs: number;
  maxFrameBytes: number;
  maxPending: number;
  backoff: BackoffOptions;
  /** A failure that repeats is logged at most once per this long (failure-report.ts); default 5 min. */
  repeatLogMs?: number;
}

export interface JetstreamDeps {
  writer: SourceWriter;
  pipeline: PostPipeline;
  hashAuthor(did: string): string;
  logger: Logger;
  metrics: SourceMetrics;
  now?: () => number;
}

export interface JetstreamStatus {
  health: SourceHealth;
  connected: boolean;
  endpoint: string | null;
  cursorUs: number | null;
  committedUs: number | null;
  framesRead: number;
  postsProduced: number;
  deadLetters: number;
}

/** `<endpoint>?wantedCollections=app.bsky.feed.post[&cursor=<time_us>]` */
export function subscribeUrl(endpoint: string, cursorUs: number | undefined): string {
  const url = new URL(endpoint);
  url.searchParams.set('wantedCollections', POST_COLLECTION);
  if (cursorUs !== undefined) url.searchParams.set('cursor', String(cursorUs));
  else url.searchParams.delete('cursor');
  return url.toString();
}

export class JetstreamConnector {
  private cursor: JetstreamCursor;
  private pending: TxnMessage[] = [];
  private pendingPosts = 0;
  private dirty = false;
  private committedUs: number | null = null;
  private socket: WebSocket | undefined;
  private endpointIndex = 0;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private broken: unknown;
  private readonly now: () => number;
  private readonly failures: FailureReport;
  readonly stats = { framesRead: 0, postsProduced: 0, deadLetters: 0, commits: 0, connects: 0 };

  constructor(
    private readonly o: JetstreamOptions,
    private readonly d: JetstreamDeps,
  ) {
    if (o.endpoints.length === 0) throw new Error('bluesky: no Jetstream endpoint configured (DOWNRADAR_JETSTREAM_ENDPOINTS)');
    this.cursor = new JetstreamCursor(o.rewindMs * 1000);
    this.now = d.now ?? Date.now;
    this.failures = new FailureReport(d.logger, o.repeatLogMs ?? 300_000, this.now);
  }

  status(): JetstreamStatus {
    return {
      health: this.failures.health(),
      connected: this.socket?.readyState === WebSocket.OPEN,
      endpoint: this.o.endpoints[this.endpointIndex] ?? null,
      cursorUs: this.cursor.position,
      committedUs: this.committedUs,
      framesRead: this.stats.framesRead,
      postsProduced: this.stats.postsProduced,
      deadLetters: this.stats.deadLetters,
    };
  }

  /** Reads the committed cursor, then streams in the background until stop(). */
  async start(): Promise<void> {
    await this.restore();
    this.loop = this.run();
    this.flushTimer = setInterval(() => void this.flush(), this.o.commitMs);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.flushTimer);
    this.socket?.close(1000, 'stopping');
    await this.loop;
    await this.flush();
    await this.d.writer.close();
  }

  /** Back to the last committed cursor; whatever was read after it is read again. */
  private async restore(): Promise<void> {
    const state = await this.d.writer.open();
    const saved = JetstreamCursor.parse(state.get(BLUESKY_STATE_KEY));
    this.cursor = new JetstreamCursor(this.o.rewindMs * 1000, 50_000, saved);
    this.committedUs = saved?.timeUs ?? null;
    this.pending = [];
    this.pendingPosts = 0;
    this.dirty = false;
    this.broken = undefined;
    const i = saved?.endpoint ? this.o.endpoints.indexOf(saved.endpoint) : -1;
    if (i >= 0) this.endpointIndex = i;
    this.d.logger.info({ cursorUs: this.committedUs, resumeFromUs: this.cursor.resumeFromUs() ?? null, endpoint: this.o.endpoints[this.endpointIndex] }, 'bluesky: cursor restored');
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      if (this.broken !== undefined) {
        if (isFenced(this.broken)) {
          this.d.logger.error('bluesky: another instance took over this connector (fenced); stopping it here');
          return;
        }
        await this.flushing;
        try {
          await this.restore();
        } catch (err) {
          this.d.logger.warn({ err: (err as Error).message }, 'bluesky: restoring the cursor failed; retrying');
          await sleep(backoffDelay(failures++, this.o.backoff), this.stopping.signal);
          continue;
        }
      }
      const endpoint = this.o.endpoints[this.endpointIndex]!;
      const received = await this.connectOnce(endpoint);
      if (this.stopping.signal.aborted) break;
      if (received > 0) failures = 0;
      else {
        failures++;
        // Failover: an endpoint that gave nothing is left for the next one.
        this.endpointIndex = (this.endpointIndex + 1) % this.o.endpoints.length;
      }
      // `attempt` counts the connections in a row that delivered nothing (every endpoint's): the
      // delay's step doubles with it (backoff.ts), and every line says which step it drew from.
      const attempt = received > 0 ? 0 : failures - 1;
      const delay = backoffDelay(attempt, this.o.backoff);
      // A stream that delivered and dropped is news; an endpoint that could not be reached at all
      // was reported (rate-limited) by its connection error.
      if (received > 0) this.d.logger.warn({ endpoint, next: this.o.endpoints[this.endpointIndex], received, attempt, delayMs: delay }, 'bluesky: stream closed; reconnecting');
      else this.d.logger.debug({ endpoint, next: this.o.endpoints[this.endpointIndex], attempt, delayMs: delay }, 'bluesky: no stream; trying the next endpoint');
      await sleep(delay, this.stopping.signal);
    }
  }

  /** One connection: resolves when it closes, with the number of frames it delivered. */
  private connectOnce(endpoint: string): Promise<number> {
    const url = subscribeUrl(endpoint, this.cursor.resumeFromUs());
    this.stats.connects++;
    return new Promise((resolve) => {
      let received = 0;
      const ws = new WebSocket(url, { maxPayload: Math.max(this.o.maxFrameBytes * 4, 1024 * 1024), handshakeTimeout: 10_000, perMessageDeflate: false });
      this.socket = ws;
      ws.on('open', () => {
        this.d.metrics.connections.inc({ connector: 'bluesky', result: 'open' });
        this.failures.ok('bluesky: Jetstream reachable again', { url });
        this.d.logger.info({ url }, 'bluesky: connected');
      });
      ws.on('message', (data: WebSocket.RawData) => {
        received++;
        if (this.broken !== undefined) return;
        this.onFrame(typeof data === 'string' ? data : (data as Buffer).toString('utf8'), endpoint);
        if (this.pendingPosts >= this.o.maxPending && !ws.isPaused) {
          ws.pause();
          void this.flush().finally(() => ws.resume());
        }
      });
      ws.on('error', (err) => {
        this.d.metrics.connections.inc({ connector: 'bluesky', result: 'error' });
        this.failures.fail('connect', err.message, { endpoint, endpoints: this.o.endpoints.length }, 'bluesky: cannot connect to Jetstream (every endpoint is tried in turn)');
      });
      ws.on('close', () => {
        if (this.socket === ws) this.socket = undefined;
        resolve(received);
      });
    });
  }

  private onFrame(text: string, endpoint: string): void {
    this.stats.framesRead++;
    const now = this.now();
    const v = readFrame(text, { maxFrameBytes: this.o.maxFrameBytes, hashAuthor: this.d.hashAuthor });
    if (v.type === 'invalid') {
      this.deadLetter(v.code, v.reason, text, now);
    } else if (v.type === 'post') {
      const id = v.post.candidate.id;
      if (this.cursor.produced(id)) {
        this.d.metrics.events.inc({ connector: 'bluesky', outcome: 'replayed' });
      } else {
        const r = this.d.pipeline.process(v.post.candidate, now, v.post.tags);
        if (r.kind === 'post') {
          for (const m of this.d.writer.postMessages(r.post, r.signals)) this.pending.push(m);
          this.pendingPosts++;
          this.cursor.markProduced(id, v.timeUs);
          this.d.metrics.events.inc({ connector: 'bluesky', outcome: 'post' });
        } else if (r.kind === 'invalid') {
          this.deadLetter(r.code, `${r.field} ${r.reason}`, text, now);
        } else {
          this.d.metrics.events.inc({ connector: 'bluesky', outcome: 'irrelevant' });
        }
      }
    } else {
      this.d.metrics.events.inc({ connector: 'bluesky', outcome: 'other' });
    }
    if (v.timeUs !== undefined) {
      this.cursor.advance(v.timeUs, endpoint);
      this.d.metrics.lagMs.set({ connector: 'bluesky' }, now - v.timeUs / 1000);
    }
    this.dirty = true;
  }

  private deadLetter(code: string, reason: string, frame: string, now: number): void {
    this.stats.deadLetters++;
    this.d.metrics.events.inc({ connector: 'bluesky', outcome: 'dead_letter' });
    const record = deadLetter({ id: contentId('sources', 'bluesky', frame), at: now, origin: 'bluesky jetstream (sources)', code, reason, payload: frame });
    this.pending.push(this.d.writer.dlqMessage(record));
  }

  /** Commits what was read since the last commit, with the cursor. One flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.dirty || this.broken !== undefined) return Promise.resolve();
    const messages = this.pending;
    const posts = this.pendingPosts;
    const snapshot = this.cursor.snapshot();
    this.pending = [];
    this.pendingPosts = 0;
    this.dirty = false;
    const t0 = performance.now();
    this.flushing = this.d.writer
      .commit(messages, { [BLUESKY_STATE_KEY]: JSON.stringify(snapshot) })
      .then(() => {
        this.committedUs = snapshot.timeUs;
        this.stats.postsProduced += posts;
        this.stats.commits++;
        this.d.metrics.commitMs.observe({ connector: 'bluesky' }, performance.now() - t0);
        for (const m of messages) this.d.metrics.produced.inc({ connector: 'bluesky', topic: m.topic });
      })
      .catch((err: unknown) => {
        // Not committed: nothing of it reached a reader. Start again from the committed cursor.
        this.broken = err;
        this.d.logger.warn({ err: (err as Error).message, fenced: isFenced(err) }, 'bluesky: commit failed; reconnecting from the committed cursor');
        this.socket?.terminate();
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }
}
