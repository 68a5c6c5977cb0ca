/**
 * Hashtag trends of one instance: a core detector fed with the hashtag-bearing signals of every
 * partition this instance owns, used only for its trends.
 *
 * Trends need all hashtags in one counter: a post that names three services arrives as three
 * signals on up to three partitions, and the core counts its hashtags once by source id. With one
 * instance (the usual case, and the demo) this tracker sees everything and its trends are exactly
 * the core's. With several instances each counts the hashtags of its own partitions, so a
 * hashtag spread over services of different instances is reported by each with a partial
 * count (see the README's scale-out note).
 *
 * Its checkpoint lives under `trends@<instance>/`: the detector meta (its watermark) and the
 * trend entries. Signals reach it stripped to what trends use (no reporter: no dedupe table).
 */
import type { SignalEvent, TrendEvent } from '../../../schemas/events/index';
import { CheckpointWriter, parseEntries, type CheckpointDiff } from './checkpoint';
import type { DetectorConfig } from './core/config';
import { createDetector, type Detector } from './core/detector';
import type { HashtagLookup, ServiceInfoLookup } from './core/facts';

const TREND_KEYS = /^(detector|trends|trend-baselines:\d+)$/;

export class TrendTracker {
  readonly detector: Detector;
  private readonly writer: CheckpointWriter;
  /** Hashtag signals the tracker's own watermark had already passed (the partition still counted them). */
  late = 0;

  constructor(
    readonly instance: string,
    config: DetectorConfig,
    serviceInfo: ServiceInfoLookup,
    hashtagInfo: HashtagLookup,
  ) {
    this.detector = createDetector(config, serviceInfo, hashtagInfo);
    this.writer = new CheckpointWriter(TrendTracker.prefixOf(instance), (k) => TREND_KEYS.test(k));
  }

  static prefixOf(instance: string): string {
    return `trends@${instance}/`;
  }

  restore(entries: ReadonlyMap<string, string>): void {
    const parsed = parseEntries(entries);
    if (Object.keys(parsed).length > 0) this.detector.restore(parsed);
    this.writer.seed(entries);
  }

  add(signals: readonly SignalEvent[], nowMs: number): void {
    for (const s of signals) {
      const dead = this.detector.ingest(
        {
          id: s.id,
          sourceId: s.sourceId,
          serviceId: s.serviceId,
          kind: 'mention',
          at: s.at,
          receivedAt: s.receivedAt,
          outage: false,
          problem: 'other',
          confidence: 0,
          hashtags: s.hashtags,
        },
        nowMs,
      );
      if (dead !== undefined) this.late++;
    }
  }

  advance(nowMs: number): TrendEvent[] {
    return this.detector.advance(nowMs).trends;
  }

  checkpoint(): CheckpointDiff {
    return this.writer.diff(this.detector.snapshot());
  }
}
