/**
 * Polls every official status source of the source catalog: Statuspage v2 pages (summary.json and
 * incidents.json) and RSS / Atom feeds, each every intervalMs (the first polls spread over one
 * interval), through the politeness gate of polite-fetch.ts.
 *
 * Per poll, in one transaction: the changes as OfficialStatusEvents on downradar.status, the
 * service's overall status as an `official` evidence signal for the detector (Statuspage pages
 * only: a feed carries no severity), and the page's state (validators, what was reported) under
 * `statuspage:<serviceId>` on the source-state topic, so a restart neither repeats nor misses.
 */
import { setMaxListeners } from 'node:events';
import { contentId, deadLetter } from '@downradar/common/dead-letter';
import { isFenced, type Logger, type TxnMessage } from '@downradar/common';
import type { SignalEvent } from '../../../../schemas/events/index';
import type { StatusSource } from '../../../../schemas/catalog/sources';
import { sleep } from '../backoff';
import type { SourceWriter } from '../kafka/source-writer';
import type { SourceMetrics } from '../metrics';
import { readFeed } from './feed';
import { PoliteFetcher, type FetchResult } from './polite-fetch';
import { FailureReport } from '../failure-report';
import { emptyPageState, readIncidents, readSummary, type PageState, type ReadResult } from './statuspage';

export interface StatusPollerOptions {
  sources: StatusSource[];
  intervalMs: number;
  hostGapMs: number;
  timeoutMs: number;
  ca?: string | Buffer;
  /** A failure that repeats is logged at most once per this long (failure-report.ts); default 5 min. */
  repeatLogMs?: number;
}

export interface StatusPollerDeps {
  writer: SourceWriter;
  logger: Logger;
  metrics: SourceMetrics;
  now?: () => number;
  random?: () => number;
}

export const statusStateKey = (serviceId: string) => `statuspage:${serviceId}`;

/** The detector's evidence: the service's overall official status at this poll. */
export function officialSignal(serviceId: string, status: NonNullable<PageState['pageStatus']>, url: string, now: number): SignalEvent {
  return {
    id: `official:${serviceId}:${now}`,
    sourceId: `statuspage:${serviceId}`,
    serviceId,
    kind: 'official',
    at: now,
    receivedAt: now,
    outage: status === 'partial_outage' || status === 'major_outage',
    problem: 'other',
    confidence: 1,
    hashtags: [],
    officialStatus: status,
    evidence: [`statuspage ${url}: ${status}`.slice(0, 200)],
  };
}

export class StatusPoller {
  readonly fetcher: PoliteFetcher;
  private readonly states = new Map<string, PageState>();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly now: () => number;
  private fenced = false;
  readonly stats = { polls: 0, events: 0, failures: 0, notModified: 0 };
  private readonly lastPoll = new Map<string, { at: number; ok: boolean; status: string | null }>();
  private readonly failures: FailureReport;

  constructor(
    private readonly o: StatusPollerOptions,
    private readonly d: StatusPollerDeps,
  ) {
    // One loop per page sleeps on this signal at a time: a listener each, removed when it wakes
    // (not a leak; the default warning at 11 would say so with 13 pages).
    setMaxListeners(o.sources.length + 10, this.stopping.signal);
    this.fetcher = new PoliteFetcher({ hostGapMs: o.hostGapMs, timeoutMs: o.timeoutMs, ...(o.ca ? { ca: o.ca } : {}) });
    this.now = d.now ?? Date.now;
    this.failures = new FailureReport(d.logger, o.repeatLogMs ?? 300_000, this.now);
  }

  status() {
    return { health: this.failures.health(), sources: this.o.sources.length, ...this.stats, requests: this.fetcher.stats.requests, pages: Object.fromEntries(this.lastPoll) };
  }

  async start(): Promise<void> {
    const saved = await this.d.writer.open();
    for (const s of this.o.sources) {
      const text = saved.get(statusStateKey(s.serviceId));
      let state = emptyPageState();
      if (text) {
        try {
          state = { ...emptyPageState(), ...(JSON.parse(text) as Partial<PageState>) };
        } catch {
          this.d.logger.warn({ serviceId: s.serviceId }, 'statuspage: unreadable saved state; starting afresh');
        }
      }
      this.states.set(s.serviceId, state);
    }
    const random = this.d.random ?? Math.random;
    this.loops = this.o.sources.map((s) => this.run(s, random() * Math.min(this.o.intervalMs, 60_000)));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
    await this.d.writer.close();
  }

  private async run(source: StatusSource, firstDelayMs: number): Promise<void> {
    await sleep(firstDelayMs, this.stopping.signal);
    while (!this.stopping.signal.aborted && !this.fenced) {
      await this.pollOnce(source).catch((err: unknown) => this.d.logger.warn({ serviceId: source.serviceId, err: (err as Error).message }, 'statuspage: poll failed'));
      await sleep(this.o.intervalMs, this.stopping.signal);
    }
  }

  /** One poll of one source (public for tests). */
  async pollOnce(source: StatusSource): Promise<void> {
    const previous = this.states.get(source.serviceId) ?? emptyPageState();
    const ctx = { serviceId: source.serviceId, url: source.url, now: this.now() };
    const messages: TxnMessage[] = [];
    let state = previous;
    let ok = true;
    const apply = (r: ReadResult, raw: string, url: string) => {
      state = r.state;
      for (const e of r.events) messages.push(this.d.writer.statusMessage(e));
      if (r.problem) {
        ok = false;
        messages.push(this.d.writer.dlqMessage(deadLetter({ id: contentId('sources', `statuspage-${source.serviceId}`, raw), at: ctx.now, origin: `${url} (sources)`, code: 'BAD_STATUS_DOCUMENT', reason: r.problem, payload: raw })));
      }
    };
    const get = async (url: string): Promise<FetchResult> => {
      const r = await this.fetcher.get(url, state.validators[url] ?? {});
      if (r.kind === 'ok') state = { ...state, validators: { ...state.validators, [url]: { ...(r.etag ? { etag: r.etag } : {}), ...(r.lastModified ? { lastModified: r.lastModified } : {}) } } };
      if (r.kind === 'not-modified') this.stats.notModified++;
      if (r.kind === 'error') {
        ok = false;
        this.stats.failures++;
        // One key for all pages: without internet every page fails, and one line per 5 minutes
        // says so (each page's last poll is in /readyz).
        this.failures.fail('request', r.reason, { serviceId: source.serviceId, url }, 'statuspage: request failed');
      } else this.failures.ok('statuspage: status pages reachable again', { serviceId: source.serviceId });
      return r;
    };
    if (source.kind === 'statuspage') {
      const base = source.url.replace(/\/+$/, '');
      for (const [path, read] of [
        ['/api/v2/summary.json', readSummary],
        ['/api/v2/incidents.json', readIncidents],
      ] as const) {
        const url = base + path;
        const r = await get(url);
        if (r.kind !== 'ok') continue;
        let doc: unknown;
        try {
          doc = JSON.parse(r.body);
        } catch (err) {
          apply({ events: [], state, problem: `${path} is not JSON: ${(err as Error).message}` }, r.body, url);
          continue;
        }
        apply(read(doc, state, ctx), r.body, url);
      }
    } else {
      const r = await get(source.url);
      if (r.kind === 'ok') apply(readFeed(r.body, state, ctx), r.body, source.url);
    }
    // Evidence for the detector on every poll that reached the page, so that it goes stale (and
    // stops counting) when the poller stops hearing from it.
    if (source.kind === 'statuspage' && state.pageStatus !== null && ok) messages.push(this.d.writer.signalMessage(officialSignal(source.serviceId, state.pageStatus, source.url, ctx.now)));
    try {
      await this.d.writer.commit(messages, { [statusStateKey(source.serviceId)]: JSON.stringify(state) });
    } catch (err) {
      if (isFenced(err)) {
        this.fenced = true;
        this.d.logger.error('statuspage: another instance took over this connector (fenced); stopping it here');
        return;
      }
      await this.d.writer.open().catch(() => undefined);
      throw err;
    }
    this.states.set(source.serviceId, state);
    this.stats.polls++;
    const events = messages.filter((m) => m.topic === this.d.writer.topics.status).length;
    this.stats.events += events;
    this.d.metrics.events.inc({ connector: 'statuspage', outcome: ok ? 'polled' : 'failed' });
    for (const m of messages) this.d.metrics.produced.inc({ connector: 'statuspage', topic: m.topic });
    this.lastPoll.set(source.serviceId, { at: ctx.now, ok, status: state.pageStatus });
  }
}
