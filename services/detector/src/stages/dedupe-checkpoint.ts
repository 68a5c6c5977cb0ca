/**
 * The reporter dedupe tables of a partition's detector, checkpointed as a base and deltas.
 *
 * Why: the tables were 97 % of the checkpoint bytes, and one report changes one entry of a table
 * of up to a million, yet the whole table was serialised and written again in every transaction.
 * Now a table is written whole (`dedupe:<id>`, the base) only when a delta cannot describe the
 * change, and otherwise each transaction adds a delta (`dedupe:<id>~<k>`, k = 0, 1, ...) holding
 * the entries set since the last committed checkpoint. A base is written again when:
 *  - there are MAX_DELTAS deltas (a restore reads at most that many per service), or the deltas
 *    hold more than DELTA_ENTRIES_PER_BASE times the base's entries (so the bytes written stay
 *    within a small multiple of what changed, and a restore reads at most about three times the base);
 *  - the table is not the one the last base or delta described (a restore made a new one).
 * A compaction (every dedupeMs + lateness + a window of event time a table drops the entries
 * older than a cutoff) is a delta too (session 18; until then it wrote a new base, 40 % of the
 * checkpoint bytes of the e2e day): the delta then carries the new compaction time `g` and the
 * cutoff `c`, and its entries are those set since the last checkpoint that the table still holds.
 * Writing a base leaves the old deltas out of the snapshot, so the checkpoint writer tombstones them
 * in the same transaction. Restoring reads the base, then the deltas in order (a delta with a
 * cutoff first drops the entries older than it, then adds its own; a later time for the same
 * hash replaces the earlier one): the table comes back exactly, with its compaction time.
 *
 * What counts as written changes only when the transaction commits (`commit` of the result): an
 * aborted transaction's delta is written again, whole, by the next one.
 */
import type { DedupeState, ReporterDedupe } from '../core/dedupe';
import type { Detector } from '../core/detector';
import { KEEP } from './checkpoint';

/** Deltas per base at most. */
export const MAX_DELTAS = 64;

/**
 * A new base once the deltas hold more than this many times the base's entries. 2 since session
 * 18 (was 1): with compactions in deltas a table's base is otherwise rewritten about once a
 * compaction period; at 2 a restore reads at most about three times the base.
 */
export const DELTA_ENTRIES_PER_BASE = 2;

const DELTA_KEY = /^dedupe:(.+)~(\d+)$/;

interface Committed {
  table: ReporterDedupe;
  gen: number;
  /** The table's compaction cutoff as last written (a delta carries it when it moved). */
  cutoff: number | null;
  deltas: number;
  deltaEntries: number;
  baseEntries: number;
}

/**
 * A delta on the state topic: entries set since the previous one ([hash, at, ...]); when the
 * compaction time changed since, `g` is the new one, and when a compaction dropped entries, `c`
 * its cutoff (applied before `e`).
 */
export interface DedupeDelta {
  e: number[];
  g?: number | null;
  c?: number;
}

export class DedupeCheckpoint {
  private committed = new Map<string, Committed>();

  constructor(private readonly maxDeltas = MAX_DELTAS) {}

  /**
   * The dedupe entries of a checkpoint (KEEP for what stands), to merge into the detector's
   * snapshot taken with { dedupe: false }; `commit` once the transaction committed.
   */
  entries(detector: Detector): { entries: Record<string, unknown>; commit: () => void } {
    const entries: Record<string, unknown> = {};
    const updates: (() => void)[] = [];
    for (const [id, table] of detector.dedupeTables()) {
      const upTo = table.journaled;
      const c = this.committed.get(id);
      const base = `dedupe:${id}`;
      if (c !== undefined && c.table === table && c.deltas < this.maxDeltas && c.deltaEntries + upTo <= Math.max(c.baseEntries * DELTA_ENTRIES_PER_BASE, 1024)) {
        entries[base] = KEEP;
        for (let k = 0; k < c.deltas; k++) entries[`${base}~${k}`] = KEEP;
        const gen = table.gen;
        const cutoff = table.cutoff;
        if (upTo === 0 && gen === c.gen) continue;
        const delta: DedupeDelta = { e: table.changes(upTo) };
        if (gen !== c.gen) delta.g = table.compactionTime;
        if (cutoff !== c.cutoff && cutoff !== null) delta.c = cutoff;
        entries[`${base}~${c.deltas}`] = delta;
        updates.push(() => {
          c.deltas++;
          c.deltaEntries += delta.e.length / 2;
          c.gen = gen;
          c.cutoff = cutoff;
          table.dropJournal(upTo);
        });
        continue;
      }
      const state = table.toJSON();
      entries[base] = state;
      const gen = table.gen;
      const cutoff = table.cutoff;
      updates.push(() => {
        this.committed.set(id, { table, gen, cutoff, deltas: 0, deltaEntries: 0, baseEntries: state.e.length / 2 });
        table.dropJournal(upTo);
      });
    }
    return {
      entries,
      commit: () => {
        for (const u of updates) u();
      },
    };
  }

  /**
   * After `detector.restore`: what the restored checkpoint holds counts as written (`deltas`:
   * the number of deltas per service that restoreDedupe found).
   */
  seed(detector: Detector, restored: ReadonlyMap<string, { deltas: number; deltaEntries: number; baseEntries: number }>): void {
    this.committed.clear();
    for (const [id, table] of detector.dedupeTables()) {
      const r = restored.get(id);
      if (r !== undefined) this.committed.set(id, { table, gen: table.gen, cutoff: table.cutoff, ...r });
    }
  }
}

/**
 * Folds each service's deltas into its base (in place: `dedupe:<id>~<k>` keys are removed from
 * `parsed`), ready for Detector.restore; returns what it found per service, for `seed`.
 */
export function restoreDedupe(parsed: Record<string, unknown>): Map<string, { deltas: number; deltaEntries: number; baseEntries: number }> {
  const deltas = new Map<string, { k: number; delta: DedupeDelta }[]>();
  for (const [key, value] of Object.entries(parsed)) {
    const m = DELTA_KEY.exec(key);
    if (m === null) continue;
    const id = m[1]!;
    let list = deltas.get(id);
    if (!list) deltas.set(id, (list = []));
    list.push({ k: Number(m[2]), delta: value as DedupeDelta });
    delete parsed[key];
  }
  const out = new Map<string, { deltas: number; deltaEntries: number; baseEntries: number }>();
  for (const [key, value] of Object.entries(parsed)) {
    if (!key.startsWith('dedupe:')) continue;
    const id = key.slice('dedupe:'.length);
    const base = value as DedupeState;
    const list = (deltas.get(id) ?? []).sort((a, b) => a.k - b.k);
    deltas.delete(id);
    list.forEach((d, i) => {
      if (d.k !== i) throw new Error(`checkpoint dedupe:${id}: delta ${i} is missing (found ${list.map((x) => x.k).join(', ')})`);
    });
    let deltaEntries = 0;
    let g = base.g;
    let e = base.e;
    if (list.length > 0) {
      e = base.e.slice();
      for (const d of list) {
        if (d.delta.c !== undefined) e = withoutOlder(e, d.delta.c);
        if (d.delta.g !== undefined) g = d.delta.g;
        for (const x of d.delta.e) e.push(x);
        deltaEntries += d.delta.e.length / 2;
      }
      parsed[key] = { g, e } satisfies DedupeState;
    }
    out.set(id, { deltas: list.length, deltaEntries, baseEntries: base.e.length / 2 });
  }
  for (const id of deltas.keys()) throw new Error(`checkpoint dedupe:${id}: deltas without a base`);
  return out;
}

/** [hash, at, ...] without the pairs whose time is before `cutoff` (what a compaction drops). */
function withoutOlder(e: number[], cutoff: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < e.length; i += 2) if (e[i + 1]! >= cutoff) out.push(e[i]!, e[i + 1]!);
  return out;
}
