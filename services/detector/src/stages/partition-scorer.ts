/**
 * One signals partition's scoring, without Kafka: a core detector of its own, the offset it has
 * consumed up to, and its checkpoint writer.
 *
 * Why one detector per partition rather than one per process: the watermark (and so which
 * windows close when, and which events are late) then depends only on the partition's own
 * events, never on which other partitions the same process happens to own. The scores of a
 * service are the same with one instance or five, and a partition's checkpoint (`p<N>/...`) moves
 * to whichever instance is assigned the partition, with the offset it belongs to.
 *
 * The core detector of a partition also groups incidents and counts hashtags internally; those
 * views are partial (one partition's services) and are not used: incidents come from the
 * incident stage (all services), trends from the instance's TrendTracker. Its trend structures
 * are configured minimal so they cost next to nothing.
 */
import { deadLetter, positionId } from '@downradar/common/dead-letter';
import type { SignalMessage } from '@downradar/common/kafka/signal-messages';
import type { DlqRecord, ScoreEvent, SignalEvent } from '../../../../schemas/events/index';
import { CheckpointWriter, parseEntries, type CheckpointDiff } from './checkpoint';
import { DedupeCheckpoint, restoreDedupe } from './dedupe-checkpoint';
import { resolveDetectorConfig, type DetectorConfig } from '../core/config';
import { EXTERNAL_EVIDENCE_DEFAULTS, ExternalEvidence, type ExternalEvidenceState } from '../core/external-evidence';
import { createDetector, type Detector, type DetectorOutput, type DetectorStats } from '../core/detector';
import type { HashtagLookup, ServiceInfoLookup } from '../core/facts';
import { windowStartOf } from '../core/time';
import { progressMessages, windowsOf, type ClosedWindow } from './window-progress';

/**
 * Keys of the core snapshot a partition writes; `offset` is the shell's own, and `dedupe:<id>` /
 * `dedupe:<id>~<k>` are the dedupe tables' base and deltas (dedupe-checkpoint.ts).
 */
const PARTITION_KEYS = /^(detector|offset|external|service:.+|dedupe:.+)$/;

export interface RawMessage {
  offset: string;
  value: Buffer | string | null;
}

/**
 * Reads a message of the signals topic: one signal, or a batch of one service's signals
 * (readSignalMessage in common, where the format is described).
 */
export type SignalRead = (raw: Buffer | string | null) => SignalMessage;

export interface IngestResult {
  accepted: number;
  /** Messages below the checkpointed offset: processed and committed before (a re-delivery). */
  skipped: number;
  dlq: DlqRecord[];
  /** Accepted signals that carry hashtags (for the trend tracker). */
  withHashtags: SignalEvent[];
  /** Offset after the last message (undefined when the batch was entirely skipped). */
  nextOffset: string | undefined;
}

export interface AdvanceResult {
  scores: ScoreEvent[];
  windows: ClosedWindow[];
  /** Processing time at which advance() returned the windows. */
  closedAt: number;
}

/** The core config of a partition: the service's, with the unused trend counting made tiny. */
export function partitionCoreConfig(config: DetectorConfig): DetectorConfig {
  return resolveDetectorConfig({
    ...config,
    trends: { ...config.trends, topK: 1, maxPerWindow: 1, baselineCapacity: 1, sourceMemory: 16, minCountPerMinute: 1e9 },
  });
}

/** What the incident stage is told about a partition's progress. */
export interface Announcement {
  idle: boolean;
  closedUpTo: number | null;
  /** Idle only: the signals offset up to which the partition was read and held no signal. */
  idleAt: string | null;
}

/** A signals partition's log bounds (admin fetchTopicOffsets): first offset and end offset. */
export interface PartitionEnds {
  low: bigint;
  high: bigint;
}

export class PartitionScorer {
  /** What the incident stage was last told (committed); undefined = nothing yet since the assignment. */
  announced: Announcement | undefined;
  readonly detector: Detector;
  /** Official status and probe evidence of this partition's services (core/external-evidence.ts). */
  readonly evidence: ExternalEvidence;
  private writer: CheckpointWriter;
  private dedupe = new DedupeCheckpoint();
  /** Next offset to process; messages below it were committed already. */
  nextOffset: bigint | null = null;
  readonly assignedAt: number;
  /** Start of the earliest window with an accepted signal, while no window has been closed yet. */
  private firstWindow: number | undefined;
  /** Scores closed since the last advance() returned them (the core's dead letters come from ingest). */
  private pending: DetectorOutput = { scores: [], incidents: [], trends: [] };
  /** Processing time of the last accepted signal (this process's; undefined after a restore). */
  private lastAcceptedAt: number | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    config: DetectorConfig,
    serviceInfo: ServiceInfoLookup,
    hashtagInfo: HashtagLookup,
    nowMs: number,
    private readonly origin = `${topic}/detector`,
  ) {
    this.detector = createDetector(partitionCoreConfig(config), serviceInfo, hashtagInfo);
    // Before any signal: every entry set from here on is in a delta or a base.
    this.detector.journalDedupeChanges();
    const l = config.levels;
    this.evidence = new ExternalEvidence(
      {
        ...EXTERNAL_EVIDENCE_DEFAULTS,
        unusualLog10: l.unusualLog10,
        warningLog10: l.warningLog10,
        minCount: l.minReports,
      },
      config.windowMs,
    );
    this.writer = new CheckpointWriter(`p${partition}/`, (k) => PARTITION_KEYS.test(k));
    this.assignedAt = nowMs;
  }

  static prefixOf(partition: number): string {
    return `p${partition}/`;
  }

  /** Restores from the partition's checkpoint entries (keys without the `p<N>/` prefix). */
  restore(entries: ReadonlyMap<string, string>): void {
    const parsed = parseEntries(entries);
    const offset = parsed.offset;
    delete parsed.offset;
    if (parsed.external !== undefined) this.evidence.restore(parsed.external as ExternalEvidenceState);
    delete parsed.external;
    const dedupe = restoreDedupe(parsed);
    if (Object.keys(parsed).length > 0) this.detector.restore(parsed);
    this.dedupe.seed(this.detector, dedupe);
    this.nextOffset = typeof offset === 'string' ? BigInt(offset) : null;
    this.firstWindow = undefined;
    if (this.detector.closedUpTo() === undefined) {
      // Nothing closed yet: the earliest window with data is where each service's scoring starts.
      for (const [key, value] of Object.entries(parsed)) {
        const start = key.startsWith('service:') ? (value as { nextStart?: unknown } | null)?.nextStart : undefined;
        if (typeof start === 'number' && (this.firstWindow === undefined || start < this.firstWindow)) this.firstWindow = start;
      }
    }
    this.writer.seed(entries);
  }

  /** Never had a signal (no event time): nothing to say about any window yet. */
  get empty(): boolean {
    return this.detector.watermark() === undefined;
  }

  ingest(messages: readonly RawMessage[], read: SignalRead, nowMs: number): IngestResult {
    const out: IngestResult = { accepted: 0, skipped: 0, dlq: [], withHashtags: [], nextOffset: undefined };
    const d = this.detector;
    const evidence = this.evidence;
    const windowMs = d.config.windowMs;
    let next = this.nextOffset;
    // The earliest window with an accepted signal, kept only until the core closes a window
    // (noteWindow's rule, inlined: this loop runs once per signal).
    let firstWindow = this.firstWindow;
    let unclosed = d.closedUpTo() === undefined;
    let accepted = 0;
    let scored = false; // a signal reached the core's counts
    let processed = false;
    for (const m of messages) {
      const off = BigInt(m.offset);
      if (next !== null && off < next) {
        out.skipped++;
        continue;
      }
      const message = read(m.value);
      if (!message.ok) {
        out.dlq.push(this.dead(m, 'INVALID_SIGNAL', `not a valid SignalEvent: ${message.field} ${message.reason}`, nowMs));
      } else {
        const items = message.items;
        for (let i = 0; i < items.length; i++) {
          const parsed = items[i]!;
          if (!parsed.ok) {
            out.dlq.push(this.dead(this.position(m, message, i), 'INVALID_SIGNAL', `not a valid SignalEvent: ${message.batch ? `[${i}].` : ''}${parsed.field} ${parsed.reason}`, nowMs));
            continue;
          }
          const s = parsed.value;
          if (evidence.observe(s)) {
            accepted++; // evidence, not a count: it never reaches the core
            continue;
          }
          const rejected = d.ingest(s);
          if (rejected !== undefined) {
            out.dlq.push(this.dead(this.position(m, message, i), rejected.code, rejected.reason, nowMs));
            continue;
          }
          accepted++;
          scored = true;
          if (unclosed) {
            if (d.closedUpTo() !== undefined) {
              unclosed = false;
              firstWindow = undefined;
            } else {
              const ws = windowStartOf(s.at, windowMs);
              if (firstWindow === undefined || ws < firstWindow) firstWindow = ws;
            }
          }
          if (s.hashtags.length > 0) out.withHashtags.push(s);
        }
      }
      next = off + 1n;
      processed = true;
    }
    out.accepted = accepted;
    if (scored) {
      this.lastAcceptedAt = nowMs;
      this.firstWindow = unclosed ? firstWindow : undefined;
    }
    if (processed) {
      this.nextOffset = next;
      out.nextOffset = next!.toString();
    }
    return out;
  }

  /**
   * Where element `i` of a message is, for its dead letter: the message itself, or for an element
   * of a batch the message's offset and the index, with the element's JSON. Made only for a dead
   * letter (re-serialising every element of every batch cost as much as reading it).
   */
  private position(m: RawMessage, message: { batch: boolean; raw: unknown[] }, i: number): RawMessage {
    return message.batch ? { offset: `${m.offset}.${i}`, value: JSON.stringify(message.raw[i]) ?? '' } : m;
  }

  /**
   * Closes what the watermark (max event time read so far - allowed lateness) has passed. Before
   * the first closing the core would start at the earliest window it has data for and treat
   * anything before it as late, even a signal within the allowed lateness; so it is not asked to
   * close before the watermark has passed that window. With that, a signal out of order by less
   * than the allowed lateness is never late, wherever Kafka cut the batches.
   */
  private closeUpToWatermark(nowMs: number): void {
    const d = this.detector;
    const wm = d.watermark();
    if (wm === undefined) return;
    const target = windowStartOf(wm, d.config.windowMs);
    const closed = d.closedUpTo();
    // Nothing to close: not calling the core also keeps its idle timeout out of it (the clock is
    // only let in by advance(now, true)). With something to close, a signal was accepted since the
    // last call (the watermark moved), so the core does not consider itself idle.
    if (closed === undefined ? this.firstWindow === undefined || target <= this.firstWindow : target <= closed) return;
    const o = d.advance(nowMs);
    this.firstWindow = undefined;
    for (const x of o.scores) this.pending.scores.push(x);
  }

  /**
   * Closes every window the watermark has passed (and, when `clock` is true, lets the core's idle
   * timeout move event time with the wall clock: only for a partition that is caught up, see
   * signals.consumer.ts), and returns the scores closed since the last call.
   */
  advance(nowMs: number, clock = false): AdvanceResult {
    if (clock) this.closeWithClock(nowMs);
    else this.closeUpToWatermark(nowMs);
    const o = this.pending;
    this.pending = { scores: [], incidents: [], trends: [] };
    const closedAt = Date.now();
    const scores = this.withEvidence(o.scores, nowMs);
    return { scores, windows: windowsOf(scores), closedAt };
  }

  /**
   * The crowd's scores with the external evidence applied, plus a score for each service whose
   * official status raises it in a closed window but that the core did not score (no report of
   * it yet on this partition): its level comes from the provider alone, with a count of 0.
   */
  private withEvidence(scores: ScoreEvent[], nowMs: number): ScoreEvent[] {
    if (scores.length === 0) return scores;
    const out: ScoreEvent[] = [];
    const byWindow = new Map<number, Set<string>>();
    for (const sc of scores) {
      out.push(this.evidence.apply(sc));
      let seen = byWindow.get(sc.windowStart);
      if (!seen) byWindow.set(sc.windowStart, (seen = new Set()));
      seen.add(sc.serviceId);
    }
    const windowMs = scores[0]!.windowEnd - scores[0]!.windowStart;
    for (const [windowStart, seen] of [...byWindow].sort((a, b) => a[0] - b[0])) {
      for (const serviceId of this.evidence.raisedByOfficial(windowStart + windowMs)) {
        if (seen.has(serviceId)) continue;
        out.push(
          this.evidence.apply({
            serviceId,
            windowStart,
            windowEnd: windowStart + windowMs,
            count: 0,
            rawCount: 0,
            expected: 0,
            upper: 0,
            score: 0,
            level: 'ok',
            evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] },
            computedAt: nowMs,
          }),
        );
      }
    }
    const last = scores[scores.length - 1]!;
    this.evidence.prune(last.windowEnd);
    return out;
  }

  private closeWithClock(nowMs: number): void {
    const d = this.detector;
    const idleFor = this.lastAcceptedAt === undefined ? Infinity : nowMs - this.lastAcceptedAt;
    if (d.closedUpTo() === undefined && !(d.config.idleTimeoutMs > 0 && idleFor >= d.config.idleTimeoutMs)) {
      // Before the first closing, only the idle timeout may start it early (see closeUpToWatermark).
      this.closeUpToWatermark(nowMs);
      return;
    }
    const o = d.advance(nowMs);
    if (d.closedUpTo() !== undefined) this.firstWindow = undefined;
    for (const x of o.scores) this.pending.scores.push(x);
  }

  /** Read up to the end of the partition as the admin client last saw it (undefined: not known). */
  caughtUp(ends: PartitionEnds | undefined): boolean {
    return ends !== undefined && (this.nextOffset ?? ends.low) >= ends.high;
  }

  /**
   * The progress to announce to the incident stage, when it changed since the last committed
   * announcement (or was never made since this partition was assigned here).
   *
   * A partition that has never had a signal is announced idle once it has been empty for
   * `emptyIdleMs` AND has been read to its end (`ends`, the partition's offsets as the admin
   * client sees them now), with that end offset (`idleAt`). The incident stage counts it as idle
   * only while the partition's end is still there, so a signal written into it since is waited
   * for, however late this stage gets to it (see incident-grouper.ts).
   */
  announcement(nowMs: number, emptyIdleMs: number, ends?: PartitionEnds): Announcement | undefined {
    const idle = this.empty && nowMs - this.assignedAt >= emptyIdleMs && this.caughtUp(ends);
    const current: Announcement = { idle, closedUpTo: this.detector.closedUpTo() ?? null, idleAt: idle ? ends!.high.toString() : null };
    const last = this.announced;
    if (last !== undefined && last.idle === current.idle && last.closedUpTo === current.closedUpTo && last.idleAt === current.idleAt) return undefined;
    return current;
  }

  /** The windows-topic messages for an advance and an announcement (none when there is nothing to say). */
  progressMessages(adv: AdvanceResult, announce: Announcement | undefined, partitions: number, instance: string): string[] {
    if (announce === undefined && adv.windows.length === 0) return [];
    const a = announce ?? { idle: false, closedUpTo: this.detector.closedUpTo() ?? null, idleAt: null };
    const base = { partition: this.partition, partitions, instance, idle: a.idle, closedUpTo: a.closedUpTo, closedAt: adv.closedAt };
    return progressMessages(a.idleAt === null ? base : { ...base, idleAt: a.idleAt }, adv.windows);
  }

  /** Checkpoint records since the last committed checkpoint (commit() them after the transaction). */
  checkpoint(): CheckpointDiff {
    const snap = this.detector.snapshot({ dedupe: false, text: true });
    const dedupe = this.dedupe.entries(this.detector);
    Object.assign(snap, dedupe.entries);
    if (this.nextOffset !== null) snap.offset = this.nextOffset.toString();
    snap.external = this.evidence.toJSON();
    const diff = this.writer.diff(snap);
    return {
      records: diff.records,
      bytes: diff.bytes,
      commit: () => {
        diff.commit();
        dedupe.commit();
      },
    };
  }

  stats(): DetectorStats {
    return this.detector.stats();
  }

  /** The dead letter of the message at `m`: named by its position, so a redelivery makes the same id. */
  private dead(m: RawMessage, code: string, reason: string, nowMs: number): DlqRecord {
    const id = positionId('detector', { topic: this.topic, partition: this.partition, offset: m.offset });
    return deadLetter({ id, at: nowMs, origin: this.origin, code, reason, payload: m.value });
  }
}
