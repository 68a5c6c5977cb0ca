/**
 * The hand-off from the scoring stage to the incident stage: `<prefix>.detector-windows`, a topic
 * with ONE partition that only the detector reads.
 *
 * Why not downradar.scores itself: incident grouping needs every service's score of a window
 * together (IncidentManager.processWindow), and must know when a window is complete, i.e. when
 * every signals partition has closed it. The scores topic has several partitions, written by
 * several instances, and says nothing about partitions that had nothing to say. So each scoring
 * transaction also writes, per signals partition, one message that carries the windows it closed
 * (with their scores) and the partition's progress (`closedUpTo`). One partition gives a total
 * order, and the message is in the same transaction as the scores, so the incident stage sees
 * exactly what was published, once.
 *
 * A partition that has never had a signal has no event time; once its owner has read it to its
 * end (and a grace period has passed) it says `idle: true` with that end offset (`idleAt`), and the
 * incident stage stops waiting for it as long as nothing has been written to it since.
 */
import type { ScoreEvent } from '../../../../schemas/events/index';

export interface ClosedWindow {
  start: number;
  end: number;
  scores: ScoreEvent[];
}

export interface WindowProgress {
  v: 1;
  /** The signals partition this is about. */
  partition: number;
  /** How many partitions downradar.signals has. */
  partitions: number;
  /** Who wrote it (for people reading the topic). */
  instance: string;
  /** The partition has never had a signal, for longer than the grace period: do not wait for it. */
  idle: boolean;
  /**
   * With `idle`: the signals end offset up to which the partition was read and found without a
   * signal. The incident stage waits for the partition again once its end has moved past it.
   * (Absent in messages written before it existed: such an idle partition is waited for.)
   */
  idleAt?: string;
  /** Every window ending at or before this is closed for this partition (null: none yet). */
  closedUpTo: number | null;
  /** Processing time at which the windows were closed (the start of the alert latency). */
  closedAt: number;
  windows: ClosedWindow[];
}

/** Largest message body; the broker takes 1 MiB per batch. */
const MAX_MESSAGE_CHARS = 600_000;

/**
 * Messages for one partition's progress. Many windows closed at once (after an idle stretch)
 * are split over several messages, each with the progress as of its last window, so the
 * incident stage never sees a window claimed closed before its scores.
 */
export function progressMessages(p: Omit<WindowProgress, 'v' | 'windows'>, windows: ClosedWindow[]): string[] {
  const base: WindowProgress = { v: 1, ...p, windows: [] };
  if (windows.length === 0) return [JSON.stringify(base)];
  const out: string[] = [];
  let group: ClosedWindow[] = [];
  let chars = 0;
  const flush = (last: boolean) => {
    const closedUpTo = last ? p.closedUpTo : group[group.length - 1]!.end;
    out.push(JSON.stringify({ ...base, closedUpTo, windows: group }));
    group = [];
    chars = 0;
  };
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i]!;
    const size = JSON.stringify(w).length;
    if (group.length > 0 && chars + size > MAX_MESSAGE_CHARS) flush(false);
    group.push(w);
    chars += size;
  }
  flush(true);
  return out;
}

/** Parses and checks a message of the windows topic; undefined when it is not one. */
export function parseProgress(raw: Buffer | string | null): WindowProgress | undefined {
  if (raw === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return undefined;
  }
  const m = v as Partial<WindowProgress>;
  if (
    typeof m !== 'object' ||
    m === null ||
    m.v !== 1 ||
    !Number.isInteger(m.partition) ||
    !Number.isInteger(m.partitions) ||
    typeof m.idle !== 'boolean' ||
    !(m.closedUpTo === null || typeof m.closedUpTo === 'number') ||
    typeof m.closedAt !== 'number' ||
    !(m.idleAt === undefined || (typeof m.idleAt === 'string' && /^[0-9]{1,20}$/.test(m.idleAt))) ||
    !Array.isArray(m.windows)
  ) {
    return undefined;
  }
  for (const w of m.windows) if (typeof w?.start !== 'number' || typeof w.end !== 'number' || !Array.isArray(w.scores)) return undefined;
  return m as WindowProgress;
}

/** Groups a closed batch of ScoreEvents (ascending windows, as `advance` returns them) by window. */
export function windowsOf(scores: readonly ScoreEvent[]): ClosedWindow[] {
  const out: ClosedWindow[] = [];
  for (const s of scores) {
    const last = out[out.length - 1];
    if (last !== undefined && last.start === s.windowStart) last.scores.push(s);
    else out.push({ start: s.windowStart, end: s.windowEnd, scores: [s] });
  }
  return out;
}
