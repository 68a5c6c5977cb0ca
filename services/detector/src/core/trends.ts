/**
 * Hashtag trends: per-hashtag windowed counts with a burst score against the hashtag's own
 * baseline, in memory that does not grow with the number of distinct hashtags.
 *
 * - Counting: one Space-Saving counter of fixed capacity per open window (there are only one
 *   or two open windows at a time: the current one and the one still inside the allowed lateness).
 *   A post that names three services arrives as three signals carrying the same hashtags; a
 *   direct-mapped cache of recent source ids (typed arrays, no allocation) makes its hashtags count
 *   once. A collision can evict a source early and let a post count twice; it cannot merge two posts.
 * - Baselines: an LRU map of at most baselineCapacity hashtags, each a running mean with a capped
 *   weight (an EWMA), decayed lazily for the windows in which the hashtag was absent. A hashtag
 *   without a baseline borrows a prior rate, so a brand-new #somethingdown bursts at once.
 * - Score: the same count model as services (negative binomial upper tail), `burst` in [0, 1];
 *   trending = evidence >= trendingLog10 and count >= the minimum. The learnt value is winsorised
 *   and down-weighted while trending, so a day-long trend stays a trend for a while.
 *
 * Reported counts are Space-Saving lower bounds (count - error): noise hashtags that only
 * inherited a counter never reach the minimum, however many of them arrive.
 */
import type { TrendEvent } from '../../../../schemas/events/index';
import { minCountForWindow, type TrendConfig } from './config';
import { hash53 } from './dedupe';
import { evidenceLog10, upperQuantile } from './distributions';
import type { HashtagLookup } from './facts';
import { scoreFromEvidence } from './evidence';
import { MIXED, SpaceSaving, topGuaranteed, type SpaceSavingState } from './space-saving';
import { MINUTE_MS } from './time';

interface TagBaseline {
  /** Mean count per window. */
  m: number;
  /** Weight (windows of history, capped at the horizon). */
  n: number;
  /** Start of the last window it was updated for. */
  last: number;
}

export interface TrendsMeta {
  windows: { start: number; ss: SpaceSavingState }[];
  /** Occupied slots of the source cache: [slot, hash, slot, hash, ...]. */
  sources: number[];
  baselineChunks: number;
}

export type TrendBaselineChunk = (string | number)[];

const BASELINE_CHUNK = 5000;

export class HashtagTrends {
  private readonly open = new Map<number, SpaceSaving>();
  private readonly baselines = new Map<string, TagBaseline>();
  private readonly sourceCache: Float64Array;
  private readonly sourceMask: number;
  /** Slots of the source cache set since the journal was last dropped (each once), and their flags. */
  private sourceJournal: number[] = [];
  private readonly sourceJournaled: Uint8Array;
  private readonly windowMinutes: number;
  private readonly minCount: number;
  private readonly prior: number;
  private readonly priorWeight: number;
  private readonly cap: number;

  constructor(
    private readonly cfg: TrendConfig,
    private readonly windowMs: number,
    private readonly hashtagInfo: HashtagLookup,
    private readonly unusualLog10: number,
  ) {
    this.windowMinutes = windowMs / MINUTE_MS;
    this.minCount = minCountForWindow(cfg.minCountPerMinute, windowMs);
    this.prior = cfg.priorPerMinute * this.windowMinutes;
    this.priorWeight = cfg.priorStrengthMinutes / this.windowMinutes;
    this.cap = Math.max(2, cfg.horizonMinutes / this.windowMinutes);
    const slots = 1 << Math.ceil(Math.log2(Math.max(16, cfg.sourceMemory)));
    this.sourceCache = new Float64Array(slots);
    this.sourceMask = slots - 1;
    this.sourceJournaled = new Uint8Array(slots);
  }

  /** Sizes of every structure, for the memory-bound test and for metrics. */
  sizes(): { openWindows: number; countersPerWindow: number; baselines: number; sources: number } {
    let counters = 0;
    for (const ss of this.open.values()) counters = Math.max(counters, ss.size);
    return { openWindows: this.open.size, countersPerWindow: counters, baselines: this.baselines.size, sources: this.sourceCache.length };
  }

  /** Counts the hashtags of one signal (once per source id). */
  add(hashtags: readonly string[], sourceId: string, serviceId: string, windowStart: number): void {
    const h = hash53(sourceId);
    const slot = (h % 4294967296) & this.sourceMask;
    if (this.sourceCache[slot] === h) return;
    this.sourceCache[slot] = h;
    if (this.sourceJournaled[slot] === 0) {
      this.sourceJournaled[slot] = 1;
      this.sourceJournal.push(slot);
    }
    let ss = this.open.get(windowStart);
    if (ss === undefined) {
      ss = new SpaceSaving(this.cfg.topK);
      this.open.set(windowStart, ss);
    }
    for (let i = 0; i < hashtags.length; i++) ss.add(hashtags[i]!, serviceId);
  }

  /** Decayed baseline for `tag` as of window `start` (absent windows count as zeros). */
  private baselineAt(tag: string, start: number): TagBaseline | undefined {
    const b = this.baselines.get(tag);
    if (b === undefined) return undefined;
    let missed = Math.round((start - b.last) / this.windowMs) - 1;
    if (missed <= 0) return b;
    let { m, n } = b;
    for (; missed > 0 && n < this.cap; missed--) {
      n = Math.min(n + 1, this.cap);
      m *= 1 - 1 / n;
    }
    if (missed > 0) m *= Math.pow(1 - 1 / this.cap, missed);
    return { m, n, last: start - this.windowMs };
  }

  /** Closes the window starting at `start`: TrendEvents for its biggest hashtags, baselines learnt. */
  closeWindow(start: number): TrendEvent[] {
    const ss = this.open.get(start);
    if (ss === undefined) return [];
    this.open.delete(start);
    const end = start + this.windowMs;
    const out: TrendEvent[] = [];
    const reported = topGuaranteed(ss, this.cfg.maxPerWindow, this.minCount);
    const trending = new Set<string>();
    for (const e of reported) {
      const count = e.count - e.error;
      const b = this.baselineAt(e.key, start);
      const { expected, variance } = this.predict(b);
      const evidence = evidenceLog10(count, expected, variance);
      const burst = scoreFromEvidence(evidence);
      const isTrending = evidence >= this.cfg.trendingLog10;
      if (isTrending) trending.add(e.key);
      const info = this.hashtagInfo(e.key);
      const serviceId = info?.serviceId ?? (e.attribution !== MIXED && e.attribution !== '' ? e.attribution : undefined);
      const event: TrendEvent = { hashtag: e.key, windowStart: start, windowEnd: end, count, expected, burst, trending: isTrending };
      if (serviceId !== undefined) event.serviceId = serviceId;
      if (info !== undefined) event.outage = info.outage;
      out.push(event);
    }
    // Learn, in a deterministic order (the heap order is deterministic but not meaningful).
    const learn = ss.entries().filter((e) => e.count - e.error >= this.cfg.baselineMinCount || this.baselines.has(e.key));
    learn.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const e of learn) this.learn(e.key, e.count - e.error, start, trending.has(e.key));
    return out;
  }

  private predict(b: TagBaseline | undefined): { expected: number; variance: number } {
    const n = b?.n ?? 0;
    const m = b?.m ?? 0;
    const expected = Math.max(1e-3, (n * m + this.priorWeight * this.prior) / (n + this.priorWeight || 1));
    const variance = expected * (1 + 1 / (1 + n)) + this.cfg.dispersion * expected * expected;
    return { expected, variance };
  }

  private learn(tag: string, count: number, start: number, trending: boolean): void {
    const before = this.baselineAt(tag, start);
    const { expected, variance } = this.predict(before);
    const clip = count > expected ? upperQuantile(expected, variance, this.unusualLog10) : count;
    const x = Math.min(count, clip);
    const w = trending ? 0.25 : 1;
    let b: TagBaseline;
    if (before === undefined) {
      b = { m: x, n: w, last: start };
    } else {
      const n = Math.min(before.n + w, this.cap);
      b = { m: before.m + (w / n) * (x - before.m), n, last: start };
    }
    this.baselines.delete(tag);
    this.baselines.set(tag, b);
    if (this.baselines.size > this.cfg.baselineCapacity) {
      const oldest = this.baselines.keys().next().value as string;
      this.baselines.delete(oldest);
    }
  }

  /** Expected count per window for a hashtag now (for the API / tests). */
  expectedFor(tag: string, start: number): number {
    return this.predict(this.baselineAt(tag, start)).expected;
  }

  /** Open window starts, ascending. */
  openWindowStarts(): number[] {
    return [...this.open.keys()].sort((a, b) => a - b);
  }

  /**
   * The state; `sources: false` leaves the source cache out of `meta` (its owner checkpoints it
   * on its own: sourceEntries, sourceChanges).
   */
  snapshot(opts: { sources?: boolean } = {}): { meta: TrendsMeta; chunks: TrendBaselineChunk[] } {
    const windows = this.openWindowStarts().map((start) => ({ start, ss: this.open.get(start)!.toJSON() }));
    const sources = opts.sources === false ? [] : this.sourceEntries();
    const chunks: TrendBaselineChunk[] = [];
    let chunk: TrendBaselineChunk = [];
    for (const [tag, b] of this.baselines) {
      chunk.push(tag, b.m, b.n, b.last);
      if (chunk.length >= BASELINE_CHUNK * 4) {
        chunks.push(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) chunks.push(chunk);
    return { meta: { windows, sources, baselineChunks: chunks.length }, chunks };
  }

  /** The occupied slots of the source cache: [slot, hash, slot, hash, ...]. */
  sourceEntries(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.sourceCache.length; i++) if (this.sourceCache[i] !== 0) out.push(i, this.sourceCache[i]!);
    return out;
  }

  /** The slots set since the journal was last dropped, with their values now: [slot, hash, ...]. */
  sourceChanges(): number[] {
    const out: number[] = [];
    for (const slot of this.sourceJournal) out.push(slot, this.sourceCache[slot]!);
    return out;
  }

  dropSourceJournal(): void {
    for (const slot of this.sourceJournal) this.sourceJournaled[slot] = 0;
    this.sourceJournal = [];
  }

  /** Sets slots of the source cache ([slot, hash, ...], as sourceEntries and sourceChanges give them). */
  restoreSources(entries: readonly number[]): void {
    for (let i = 0; i + 1 < entries.length; i += 2) this.sourceCache[entries[i]!] = entries[i + 1]!;
  }

  restore(meta: TrendsMeta, chunks: TrendBaselineChunk[]): void {
    this.dropSourceJournal();
    this.open.clear();
    for (const w of meta.windows) this.open.set(w.start, SpaceSaving.fromJSON(this.cfg.topK, w.ss));
    this.sourceCache.fill(0);
    for (let i = 0; i + 1 < meta.sources.length; i += 2) this.sourceCache[meta.sources[i]!] = meta.sources[i + 1]!;
    this.baselines.clear();
    for (const chunk of chunks) {
      for (let i = 0; i + 3 < chunk.length; i += 4) {
        this.baselines.set(chunk[i] as string, { m: chunk[i + 1] as number, n: chunk[i + 2] as number, last: chunk[i + 3] as number });
      }
    }
  }
}
