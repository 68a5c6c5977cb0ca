/**
 * Checkpoint entries on the compacted state topic (downradar.detector-state).
 *
 * The core's `snapshot()` gives JSON-able entries under stable keys (`service:<id>`, `dedupe:<id>`,
 * `detector`, `trends`, ...). Each owner of a detector writes them under its own prefix (a signals
 * partition `p3/`, an instance's trend tracker `trends@host/`), so owners never overwrite each other
 * and a partition's state moves with the partition.
 *
 * Only what changed since the last committed checkpoint is written (an entry is compared as its
 * JSON text, or is given as KEEP: unchanged, not even serialised; a JsonText is written as its text), and an entry that disappeared is
 * deleted with a tombstone. Values larger than one
 * Kafka message allows are split into parts: `<key>` holds a small header and `<key>#<i>` the parts;
 * `assembleEntries` puts them back together. Compaction keeps the latest value per key, so reading
 * the topic from the beginning to its end gives the latest committed checkpoint of every owner.
 */

import { JsonText } from '../core/json-text';

/** One record for the state topic; value null = tombstone. */
export interface StateRecord {
  key: string;
  value: string | null;
}

/** Larger values are split. Well under the broker's 1 MiB message.max.bytes, leaving room for the batch. */
export const MAX_STATE_VALUE_CHARS = 400_000;

const CHUNK_HEADER = '{"$chunks":';

/**
 * A snapshot value meaning "as last written": the writer neither serialises nor compares it (the
 * reporter dedupe tables, see dedupe-checkpoint.ts, know themselves whether they changed).
 */
export const KEEP: unique symbol = Symbol('checkpoint entry unchanged');

interface Written {
  text: string;
  /** Parts it was written as (0 = one plain value). */
  parts: number;
}

export interface CheckpointDiff {
  records: StateRecord[];
  bytes: number;
  /** Applies the diff to the writer's memory; call only after the transaction committed. */
  commit(): void;
}

export class CheckpointWriter {
  private written = new Map<string, Written>();

  /**
   * @param prefix  prepended to every key (`p3/`).
   * @param include which snapshot keys this owner writes (others are its own business).
   */
  constructor(
    readonly prefix: string,
    private readonly include: (key: string) => boolean = () => true,
    private readonly maxValueChars = MAX_STATE_VALUE_CHARS,
  ) {}

  /** What is on the topic after a restore: those entries count as written. */
  seed(entries: ReadonlyMap<string, string>): void {
    this.written.clear();
    for (const [key, text] of entries) if (this.include(key)) this.written.set(key, { text, parts: partsOf(text, this.maxValueChars) });
  }

  /** Records that bring the topic from the last committed checkpoint to `snapshot`. */
  diff(snapshot: Record<string, unknown>): CheckpointDiff {
    const records: StateRecord[] = [];
    const updates = new Map<string, Written | null>();
    let bytes = 0;
    for (const [key, value] of Object.entries(snapshot)) {
      if (!this.include(key)) continue;
      if (value === KEEP) {
        if (!this.written.has(key)) throw new Error(`checkpoint ${key}: given as unchanged but never written`);
        continue;
      }
      const text = value instanceof JsonText ? value.text : (JSON.stringify(value) ?? 'null');
      const before = this.written.get(key);
      if (before !== undefined && before.text === text) continue;
      const parts = partsOf(text, this.maxValueChars);
      const full = this.prefix + key;
      if (parts === 0) {
        records.push({ key: full, value: text });
      } else {
        records.push({ key: full, value: `${CHUNK_HEADER}${parts},"chars":${text.length}}` });
        for (let i = 0; i < parts; i++) records.push({ key: `${full}#${i}`, value: text.slice(i * this.maxValueChars, (i + 1) * this.maxValueChars) });
      }
      for (let i = parts; i < (before?.parts ?? 0); i++) records.push({ key: `${full}#${i}`, value: null });
      bytes += text.length;
      updates.set(key, { text, parts });
    }
    for (const [key, before] of this.written) {
      if (key in snapshot) continue;
      const full = this.prefix + key;
      records.push({ key: full, value: null });
      for (let i = 0; i < before.parts; i++) records.push({ key: `${full}#${i}`, value: null });
      updates.set(key, null);
    }
    return {
      records,
      bytes,
      commit: () => {
        for (const [key, w] of updates) {
          if (w === null) this.written.delete(key);
          else this.written.set(key, w);
        }
      },
    };
  }

  /** Deletes everything this writer wrote (a partition given up for good). */
  tombstones(): StateRecord[] {
    const out: StateRecord[] = [];
    for (const [key, w] of this.written) {
      out.push({ key: this.prefix + key, value: null });
      for (let i = 0; i < w.parts; i++) out.push({ key: `${this.prefix}${key}#${i}`, value: null });
    }
    return out;
  }
}

function partsOf(text: string, max: number): number {
  return text.length <= max ? 0 : Math.ceil(text.length / max);
}

/**
 * The latest value per key, from state records in topic order (tombstones delete), with split
 * values put back together. Keys that are parts (`<key>#<i>`) do not appear in the result.
 */
export function assembleEntries(latest: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of latest) {
    if (isPartKey(key)) continue;
    if (!value.startsWith(CHUNK_HEADER)) {
      out.set(key, value);
      continue;
    }
    const header = JSON.parse(value) as { $chunks: number; chars: number };
    let text = '';
    for (let i = 0; i < header.$chunks; i++) {
      const part = latest.get(`${key}#${i}`);
      if (part === undefined) throw new Error(`checkpoint ${key}: part ${i} of ${header.$chunks} is missing`);
      text += part;
    }
    if (text.length !== header.chars) throw new Error(`checkpoint ${key}: parts hold ${text.length} characters, the header says ${header.chars}`);
    out.set(key, text);
  }
  return out;
}

const PART_KEY = /#\d+$/;
function isPartKey(key: string): boolean {
  return PART_KEY.test(key);
}

/** The entries under `prefix`, with the prefix removed (what the writer with that prefix wrote). */
export function entriesUnder(entries: ReadonlyMap<string, string>, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of entries) if (key.startsWith(prefix)) out.set(key.slice(prefix.length), value);
  return out;
}

/** Parsed entries, ready for `Detector.restore`. */
export function parseEntries(entries: ReadonlyMap<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) out[key] = JSON.parse(value);
  return out;
}
