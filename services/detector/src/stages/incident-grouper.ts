/**
 * The incident stage's logic, without Kafka: it puts the per-partition window messages of the
 * scoring stage (window-progress.ts) back into window order and feeds the core's IncidentManager
 * one complete window at a time, so that the same signals give the same incident events whether
 * one scoring instance or several produced the scores, in whatever order their messages
 * interleave, however long any of them stalls, and across restarts.
 *
 * The order is event time, up to a watermark over ALL signals partitions: a window is processed
 * when every partition has closed it (`closedUpTo >= end`; the minimum over partitions is
 * `frontier()`), never because of the clock or the order in which messages arrive.
 *
 * A partition that has never had a signal has no event time. Its owner announces it `idle` with
 * the end offset it read it to (`idleAt`); it is left out of the frontier only while the signals
 * partition still ends there (`ends`, fetched by the shell right before `drain`). Once anything
 * was written to it, the grouper waits for its progress, however late its owner gets to it. Why
 * that is enough: a window W is processed only after some partition closed W, i.e. read a signal
 * at least the allowed lateness after W's end; a signal of W written after that one would be late
 * at the source anyway. So whether an empty partition holds back W does not depend on timing.
 *
 * Scores of a window that was already processed can still come from a partition that was idle
 * and then received a signal older than what the others had already read (a source out of order
 * by more than the allowed lateness): they cannot be placed in the past any more; they are
 * counted as `lateScores` and left out of grouping (they are still on downradar.scores).
 *
 * State that survives a restart (`toJSON`): the IncidentManager, the last processed window, the
 * progress of every partition. Buffered scores are NOT checkpointed: the consumer commits its
 * offset at the oldest message still buffered (`commitOffset`), so after a restart those messages
 * are read again; windows already processed are skipped, progress older than what is known is
 * ignored (each partition's progress remembers the offset it came from).
 */
import type { IncidentEvent, ScoreEvent } from '../../../../schemas/events/index';
import { MAX_SILENT_GAP_MS } from '../core/detector';
import type { IncidentManager, IncidentManagerState } from '../core/incidents';
import { windowStartOf } from '../core/time';
import type { WindowProgress } from './window-progress';

interface PartitionProgress {
  closedUpTo: number | null;
  idle: boolean;
  /** Idle: the signals end offset it was announced idle at (null/absent: unknown, so waited for). */
  idleAt?: string | null;
  /** Offset of the message it was learnt from. */
  offset: string;
}

interface PendingWindow {
  end: number;
  /** serviceId -> score; a re-read message replaces, never duplicates. */
  scores: Map<string, ScoreEvent>;
  /** Latest close time among the partitions' messages for this window. */
  closedAt: number;
  /** Oldest message offset that contributed. */
  minOffset: bigint;
}

export interface GrouperState {
  v: 1;
  manager: IncidentManagerState;
  /** Every window ending at or before this has been processed (null: none yet). */
  processedUpTo: number | null;
  partitions: number;
  progress: [number, PartitionProgress][];
  /** Offset after the last message accepted. */
  nextOffset: string | null;
  lateScores: number;
}

export interface GroupedEvent {
  event: IncidentEvent;
  /** Processing time at which the window that caused it was closed by the scoring stage. */
  windowClosedAt: number;
}

export interface DrainResult {
  events: GroupedEvent[];
  windowsProcessed: number;
  /** Empty windows of a silent stretch longer than MAX_SILENT_GAP_MS, not processed one by one. */
  windowsSkipped: number;
}

export class IncidentGrouper {
  private processedUpTo: number | null = null;
  private partitions = 0;
  private progress = new Map<number, PartitionProgress>();
  private pending = new Map<number, PendingWindow>();
  private nextOffset: bigint | null = null;
  private late = 0;

  constructor(
    private readonly windowMs: number,
    private manager: IncidentManager,
    private readonly newManager: () => IncidentManager,
  ) {}

  /** Adds one message of the windows topic, read at `offset`. */
  accept(m: WindowProgress, offset: string): void {
    const off = BigInt(offset);
    if (this.nextOffset === null || off >= this.nextOffset) this.nextOffset = off + 1n;
    if (m.partitions > this.partitions) this.partitions = m.partitions;
    const known = this.progress.get(m.partition);
    if (known === undefined || BigInt(known.offset) < off) {
      // Progress only moves forward (a partition moving between instances restarts from its checkpoint).
      const closedUpTo = known?.closedUpTo != null && (m.closedUpTo === null || m.closedUpTo < known.closedUpTo) ? known.closedUpTo : m.closedUpTo;
      const idle = m.idle && closedUpTo === null;
      this.progress.set(m.partition, { closedUpTo, idle, idleAt: idle ? (m.idleAt ?? null) : null, offset: off.toString() });
    }
    for (const w of m.windows) {
      if (this.processedUpTo !== null && w.end <= this.processedUpTo) {
        // Processed already: either read again after a restart, or late (see the module comment).
        if (off >= (this.checkpointedNext ?? 0n)) this.late += w.scores.length;
        continue;
      }
      let p = this.pending.get(w.start);
      if (p === undefined) {
        p = { end: w.end, scores: new Map(), closedAt: m.closedAt, minOffset: off };
        this.pending.set(w.start, p);
      }
      for (const s of w.scores) p.scores.set(s.serviceId, s);
      if (m.closedAt > p.closedAt) p.closedAt = m.closedAt;
      if (off < p.minOffset) p.minOffset = off;
    }
  }

  /**
   * Everything up to this offset was accepted before the last checkpoint: messages below it that
   * fall in processed windows are re-reads, not late scores.
   */
  private checkpointedNext: bigint | null = null;

  /** Partitions announced idle: `drain` needs their signals end offsets to know they still are. */
  idlePartitions(): number[] {
    const out: number[] = [];
    for (const [p, pr] of this.progress) if (pr.idle && p < this.partitions) out.push(p);
    return out.sort((a, b) => a - b);
  }

  /**
   * Every window ending at or before this is closed by all partitions; undefined = wait.
   * `ends`: the signals partitions' end offsets, read after the messages accepted so far.
   */
  frontier(ends?: ReadonlyMap<number, bigint>): number | undefined {
    if (this.partitions === 0) return undefined;
    let min: number | undefined;
    for (let p = 0; p < this.partitions; p++) {
      const pr = this.progress.get(p);
      if (pr === undefined) return undefined; // not announced yet: it may have data
      if (pr.idle) {
        // Still empty where its owner read it? Then it has nothing for any window: skip it.
        const end = ends?.get(p);
        if (pr.idleAt != null && end !== undefined && end <= BigInt(pr.idleAt)) continue;
        return undefined; // written to since (or not known): its progress will come
      }
      if (pr.closedUpTo === null) return undefined; // has data, no window closed yet
      if (min === undefined || pr.closedUpTo < min) min = pr.closedUpTo;
    }
    return min;
  }

  /** Processes every complete window, in order (`ends`: see `frontier`). */
  drain(nowMs: number, ends?: ReadonlyMap<number, bigint>): DrainResult {
    const out: DrainResult = { events: [], windowsProcessed: 0, windowsSkipped: 0 };
    const frontier = this.frontier(ends);
    if (frontier === undefined) return out;
    let ws = this.processedUpTo;
    if (ws === null) {
      for (const start of this.pending.keys()) if (ws === null || start < ws) ws = start;
      if (ws === null) return out;
    }
    const W = this.windowMs;
    if (frontier - ws > MAX_SILENT_GAP_MS) {
      // A stretch without any score at all (a 2021 replay, then live traffic): like the core, do
      // not walk millions of empty windows; the last MAX_SILENT_GAP_MS of it are still processed.
      let earliest = frontier;
      for (const start of this.pending.keys()) if (start < earliest) earliest = start;
      const skipTo = windowStartOf(Math.min(earliest, frontier - MAX_SILENT_GAP_MS), W);
      if (skipTo > ws) {
        out.windowsSkipped += (skipTo - ws) / W;
        ws = skipTo;
        this.processedUpTo = skipTo;
      }
    }
    for (; ws + W <= frontier; ws += W) {
      const p = this.pending.get(ws);
      this.pending.delete(ws);
      const scores = p ? [...p.scores.values()].sort((a, b) => (a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : 0)) : [];
      const events = this.manager.processWindow(ws, ws + W, scores, nowMs);
      const closedAt = p?.closedAt ?? nowMs;
      for (const event of events) out.events.push({ event, windowClosedAt: closedAt });
      out.windowsProcessed++;
      this.processedUpTo = ws + W;
    }
    return out;
  }

  /** The offset to commit: the oldest message still buffered, else the next one. */
  commitOffset(): string | undefined {
    let min = this.nextOffset;
    for (const p of this.pending.values()) if (min === null || p.minOffset < min) min = p.minOffset;
    return min === null ? undefined : min.toString();
  }

  get lateScores(): number {
    return this.late;
  }

  get processedThrough(): number | null {
    return this.processedUpTo;
  }

  pendingWindows(): number {
    return this.pending.size;
  }

  openIncidents() {
    return this.manager.openIncidents();
  }

  progressView(): { partition: number; closedUpTo: number | null; idle: boolean }[] {
    return [...this.progress].sort((a, b) => a[0] - b[0]).map(([partition, p]) => ({ partition, closedUpTo: p.closedUpTo, idle: p.idle }));
  }

  toJSON(): GrouperState {
    return {
      v: 1,
      manager: this.manager.toJSON(),
      processedUpTo: this.processedUpTo,
      partitions: this.partitions,
      progress: [...this.progress].map(([k, v]) => [k, { ...v }]),
      nextOffset: this.nextOffset === null ? null : this.nextOffset.toString(),
      lateScores: this.late,
    };
  }

  /** Restores a checkpoint; buffered windows are dropped (their messages will be read again). */
  restore(s: GrouperState | undefined): void {
    this.manager = this.newManager();
    this.pending.clear();
    if (s === undefined) {
      this.processedUpTo = null;
      this.partitions = 0;
      this.progress.clear();
      this.nextOffset = null;
      this.checkpointedNext = null;
      this.late = 0;
      return;
    }
    if (s.v !== 1) throw new Error(`incident grouper checkpoint: unknown version ${String(s.v)}`);
    this.manager.restore(s.manager);
    this.processedUpTo = s.processedUpTo;
    this.partitions = s.partitions;
    this.progress = new Map(s.progress.map(([k, v]) => [k, { ...v, idleAt: v.idleAt ?? null }]));
    this.nextOffset = s.nextOffset === null ? null : BigInt(s.nextOffset);
    this.checkpointedNext = this.nextOffset;
    this.late = s.lateScores;
  }
}
