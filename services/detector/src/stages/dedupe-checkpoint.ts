/**
 * The reporter dedupe tables of a partition's detector, checkpointed as a base and deltas.
 *
 * Why: the tables were 97 % of the checkpoint bytes, and one report changes one entry of a table
 * of up to a million, yet the whole table was serialised and written again in every transaction.
 * Now a table is written whole (`dedupe:<id>`, the base) only when a delta cannot describe the
 * change, and otherwise each transaction adds a delta (`dedupe:<id>~<k>`, k = 0, 1, ...) holding
 * the entries set since the last committed checkpoint. A base is written again when:
 *  - the table started a new generation (ReporterDedupe.gen: a compaction dropped entries, or the
 *    first report set the compaction time): deltas only add or replace entries;
 *  - there are MAX_DELTAS deltas (a restore reads at most that many per service), or the deltas
 *    hold more entries than the base (so the bytes written stay within a small multiple of what
 *    changed, and a restore reads at most about twice the table).
 * Writing a base leaves the old deltas out of the snapshot, so the checkpoint writer tombstones them
 * in the same transaction. Restoring reads the base, then the deltas in order (a later time for the
 * same hash replaces the earlier one): the table comes back exactly, with its compaction time.
 *
 * What counts as written changes only when the transaction commits (`commit` of the result): an
 * aborted transaction's delta is written again, whole, by the next one.
 */
import type { DedupeState, ReporterDedupe } from '../core/dedupe';
import type { Detector } from '../core/detector';
import { KEEP } from './checkpoint';

/** Deltas per base at most. */
export const MAX_DELTAS = 64;

const DELTA_KEY = /^dedupe:(.+)~(\d+)$/;

interface Committed {
  table: ReporterDedupe;
  gen: number;
  deltas: number;
  deltaEntries: number;
  baseEntries: number;
}

/** A delta on the state topic: entries set since the previous one ([hash, at, ...]). */
export interface DedupeDelta {
  e: number[];
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
      if (c !== undefined && c.table === table && c.gen === table.gen && c.deltas < this.maxDeltas && c.deltaEntries + upTo <= Math.max(c.baseEntries, 1024)) {
        entries[base] = KEEP;
        for (let k = 0; k < c.deltas; k++) entries[`${base}~${k}`] = KEEP;
        if (upTo === 0) continue;
        const delta: DedupeDelta = { e: table.changes(upTo) };
        entries[`${base}~${c.deltas}`] = delta;
        updates.push(() => {
          c.deltas++;
          c.deltaEntries += delta.e.length / 2;
          table.dropJournal(upTo);
        });
        continue;
      }
      const state = table.toJSON();
      entries[base] = state;
      const gen = table.gen;
      updates.push(() => {
        this.committed.set(id, { table, gen, deltas: 0, deltaEntries: 0, baseEntries: state.e.length / 2 });
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
      if (r !== undefined) this.committed.set(id, { table, gen: table.gen, ...r });
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
    let e = base.e;
    if (list.length > 0) {
      e = base.e.slice();
      for (const d of list) {
        for (const x of d.delta.e) e.push(x);
        deltaEntries += d.delta.e.length / 2;
      }
      parsed[key] = { g: base.g, e } satisfies DedupeState;
    }
    out.set(id, { deltas: list.length, deltaEntries, baseEntries: base.e.length / 2 });
  }
  for (const id of deltas.keys()) throw new Error(`checkpoint dedupe:${id}: deltas without a base`);
  return out;
}
