/**
 * Hashtag trends of one instance: the core's HashtagTrends (bounded memory, burst score against
 * each hashtag's own baseline) fed with the hashtags of every signal the instance's partitions
 * accept, and closed window by window when EVERY partition it owns has closed that window.
 *
 * Why not a core detector of its own: its watermark would be the largest event time over all
 * partitions, and kafkajs hands over one partition's batch at a time; when partitions are read
 * behind each other (a backlog after a restart, a replay produced faster than it is read) each
 * partition's batch spans minutes or hours, and the hashtags of the partitions read later would
 * all be late. Closing on the partitions' own progress gives the same trends whatever order the
 * partitions are read in: a hashtag is late for trends only when its signal was late for its
 * partition (or its partition had never had a signal before and the others are ahead).
 *
 * Trends need all hashtags in one counter: a post that names three services arrives as three
 * signals, possibly on three partitions, and is counted once by its source id. With one instance
 * (the usual case, and the demo) this sees everything. With several, each counts the hashtags of
 * its own partitions, so a hashtag spread over the services of two instances is reported by each
 * with a partial count.
 *
 * Checkpoint under `trends@<instance>/`: `meta` (closed, late), `trends` (open windows),
 * `trend-baselines:<n>` (the bounded baseline map, in chunks) and the recent-source cache as a base
 * and deltas, as the dedupe tables (dedupe-checkpoint.ts): `trend-sources` holds every occupied
 * slot, `trend-sources~<k>` the slots set since the previous one. The cache (8,192 slots, about
 * 170 KB of JSON) changes with almost every batch, and was written whole in `trends` each time: 68 %
 * of the state topic's bytes in the e2e day at scale 0.02. A base is written again after
 * MAX_SOURCE_DELTAS deltas or when the deltas hold more slots than the base (at least 1,024).
 * Older checkpoints, with the cache in `trends`, restore as they are; the next checkpoint writes
 * a base.
 */
import type { SignalEvent, TrendEvent } from '../../../../schemas/events/index';
import { CheckpointWriter, KEEP, parseEntries, type CheckpointDiff } from './checkpoint';
import type { DetectorConfig } from '../core/config';
import type { HashtagLookup } from '../core/facts';
import { HashtagTrends, type TrendBaselineChunk, type TrendsMeta } from '../core/trends';
import { windowStartOf } from '../core/time';

/**
 * Open windows are bounded: at most MAX_OPEN_TREND_WINDOWS, and at most OPEN_COUNTER_BUDGET_TOPK
 * times trends.topK counters in all of them (each window is a Space-Saving counter of at most
 * topK entries; the bound uses the fullest window). Only a backlog whose partitions are read far
 * apart in event time gets near it (kafkajs reads every partition in turn, detectorMaxBatchBytes at
 * a time, and a quiet partition's batch can span hours); the oldest window is then closed with
 * what it has, and hashtags that come for it later are counted late. Keeps memory and the
 * checkpoint bounded whatever the order partitions are read in.
 */
export const MAX_OPEN_TREND_WINDOWS = 1440;
export const OPEN_COUNTER_BUDGET_TOPK = 16;

/** Deltas of the source cache per base at most (a restore reads at most that many). */
export const MAX_SOURCE_DELTAS = 64;
const SOURCES_KEY = 'trend-sources';
const SOURCE_DELTA_KEY = /^trend-sources~(\d+)$/;

/** What the committed checkpoint holds of the source cache. */
interface SourcesWritten {
  deltas: number;
  deltaSlots: number;
  baseSlots: number;
}

interface TrackerMeta {
  v: 1;
  /** Every window ending at or before this has been closed (null: none yet). */
  closed: number | null;
  late: number;
}

export class TrendTracker {
  private trends: HashtagTrends;
  private readonly writer: CheckpointWriter;
  private closed: number | null = null;
  /** Hashtag signals whose window had already been closed for trends. */
  late = 0;
  private readonly windowMs: number;
  /** The source cache's base and deltas on the topic (undefined: no base yet, or an older checkpoint). */
  private sources: SourcesWritten | undefined;

  constructor(
    readonly instance: string,
    private readonly config: DetectorConfig,
    private readonly hashtagInfo: HashtagLookup,
    private readonly maxOpenWindows = MAX_OPEN_TREND_WINDOWS,
  ) {
    this.windowMs = config.windowMs;
    this.trends = this.newTrends();
    this.writer = new CheckpointWriter(TrendTracker.prefixOf(instance));
  }

  private newTrends(): HashtagTrends {
    const l = this.config.levels;
    return new HashtagTrends(this.config.trends, this.windowMs, this.hashtagInfo, l.unusualLog10);
  }

  static prefixOf(instance: string): string {
    return `trends@${instance}/`;
  }

  restore(entries: ReadonlyMap<string, string>): void {
    const parsed = parseEntries(entries);
    const meta = parsed.meta as TrackerMeta | undefined;
    const tm = parsed.trends as TrendsMeta | undefined;
    this.trends = this.newTrends();
    if (meta !== undefined) {
      if (meta.v !== 1) throw new Error(`trend checkpoint: unknown version ${String(meta.v)}`);
      this.closed = meta.closed;
      this.late = meta.late;
    }
    if (tm !== undefined) {
      const chunks: TrendBaselineChunk[] = [];
      for (let i = 0; i < tm.baselineChunks; i++) {
        const chunk = parsed[`trend-baselines:${i}`];
        if (!Array.isArray(chunk)) throw new Error(`trend checkpoint: trend-baselines:${i} is missing`);
        chunks.push(chunk as TrendBaselineChunk);
      }
      this.trends.restore(tm, chunks);
    }
    this.sources = undefined;
    const base = parsed[SOURCES_KEY];
    if (base !== undefined) {
      if (!Array.isArray(base)) throw new Error(`trend checkpoint: ${SOURCES_KEY} is not an array`);
      this.trends.restoreSources(base as number[]);
      const deltas: { k: number; e: number[] }[] = [];
      for (const [key, value] of Object.entries(parsed)) {
        const m = SOURCE_DELTA_KEY.exec(key);
        if (m !== null) deltas.push({ k: Number(m[1]), e: value as number[] });
      }
      deltas.sort((a, b) => a.k - b.k);
      let deltaSlots = 0;
      deltas.forEach((d, i) => {
        if (d.k !== i) throw new Error(`trend checkpoint: ${SOURCES_KEY}~${i} is missing (found ${deltas.map((x) => x.k).join(', ')})`);
        this.trends.restoreSources(d.e);
        deltaSlots += d.e.length / 2;
      });
      this.sources = { deltas: deltas.length, deltaSlots, baseSlots: base.length / 2 };
    }
    this.writer.seed(entries);
  }

  /** Counts the hashtags of signals their partition accepted. */
  add(signals: readonly SignalEvent[]): void {
    for (const s of signals) {
      const ws = windowStartOf(s.at, this.windowMs);
      if (this.closed !== null && ws < this.closed) {
        this.late++;
        continue;
      }
      this.trends.add(s.hashtags, s.sourceId, s.serviceId, ws);
    }
  }

  /** Closes every window ending at or before `frontier` (all owned partitions have closed it), and the oldest beyond the cap. */
  advance(frontier: number | undefined): TrendEvent[] {
    const out: TrendEvent[] = [];
    if (frontier !== undefined) {
      for (const start of this.trends.openWindowStarts()) {
        if (start + this.windowMs > frontier) break;
        for (const e of this.trends.closeWindow(start)) out.push(e);
      }
      if (this.closed === null || frontier > this.closed) this.closed = windowStartOf(frontier, this.windowMs);
    }
    this.closeOverflow(out);
    return out;
  }

  /** Closes the oldest windows while more are open than the bounds allow. */
  private closeOverflow(out: TrendEvent[]): void {
    let open = this.trends.openWindowStarts();
    const budget = OPEN_COUNTER_BUDGET_TOPK * this.config.trends.topK;
    while (open.length > this.maxOpenWindows || (open.length > 1 && open.length * this.trends.sizes().countersPerWindow > budget)) {
      const start = open[0]!;
      for (const e of this.trends.closeWindow(start)) out.push(e);
      const end = start + this.windowMs;
      if (this.closed === null || end > this.closed) this.closed = end;
      open = open.slice(1);
    }
  }

  get closedUpTo(): number | null {
    return this.closed;
  }

  checkpoint(): CheckpointDiff {
    const t = this.trends.snapshot({ sources: false });
    const snap: Record<string, unknown> = { meta: { v: 1, closed: this.closed, late: this.late } satisfies TrackerMeta, trends: t.meta };
    t.chunks.forEach((chunk, i) => (snap[`trend-baselines:${i}`] = chunk));
    const s = this.sources;
    const changes = this.trends.sourceChanges();
    let next: SourcesWritten;
    if (s !== undefined && s.deltas < MAX_SOURCE_DELTAS && s.deltaSlots + changes.length / 2 <= Math.max(s.baseSlots, 1024)) {
      snap[SOURCES_KEY] = KEEP;
      for (let k = 0; k < s.deltas; k++) snap[`${SOURCES_KEY}~${k}`] = KEEP;
      if (changes.length > 0) snap[`${SOURCES_KEY}~${s.deltas}`] = changes;
      next = changes.length > 0 ? { deltas: s.deltas + 1, deltaSlots: s.deltaSlots + changes.length / 2, baseSlots: s.baseSlots } : s;
    } else {
      const all = this.trends.sourceEntries();
      snap[SOURCES_KEY] = all; // the old deltas are left out: the writer tombstones them
      next = { deltas: 0, deltaSlots: 0, baseSlots: all.length / 2 };
    }
    const diff = this.writer.diff(snap);
    return {
      records: diff.records,
      bytes: diff.bytes,
      commit: () => {
        diff.commit();
        this.sources = next;
        this.trends.dropSourceJournal();
      },
    };
  }

  sizes() {
    return this.trends.sizes();
  }
}
