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
 * Checkpoint under `trends@<instance>/`: `meta` (closed, late), `trends` (open windows, source
 * cache) and `trend-baselines:<n>` (the bounded baseline map, in chunks).
 */
import type { SignalEvent, TrendEvent } from '../../../../schemas/events/index';
import { CheckpointWriter, parseEntries, type CheckpointDiff } from './checkpoint';
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
    const t = this.trends.snapshot();
    const snap: Record<string, unknown> = { meta: { v: 1, closed: this.closed, late: this.late } satisfies TrackerMeta, trends: t.meta };
    t.chunks.forEach((chunk, i) => (snap[`trend-baselines:${i}`] = chunk));
    return this.writer.diff(snap);
  }

  sizes() {
    return this.trends.sizes();
  }
}
