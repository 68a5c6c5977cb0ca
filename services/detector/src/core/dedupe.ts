/**
 * "Only the first report per reporter per service per 15 minutes counts" (Downdetector's rule),
 * with memory bounded by the traffic of the last half hour however long the detector runs, and a
 * hot path that allocates nothing.
 *
 * One open-addressing table of (53-bit hash of the reporter, time of its counted report) in typed
 * arrays: no strings retained, no per-entry objects, nothing for the garbage collector, one cache
 * miss per lookup; a million reporters take 32 MB. Every `horizonMs` of event time the table is
 * compacted into a spare one, keeping only entries newer than event time - horizonMs. The horizon
 * is dedupeMs + allowed lateness + one window, so an entry is forgotten only when no event the
 * detector can still accept (anything not yet late) could fall within dedupeMs of it: the rule is
 * applied exactly. Two reporters share a hash with probability about n² / 2^54 (5e-5 for a million
 * in half an hour), which would merely merge their reports.
 */

export interface DedupeState {
  /** Event time of the last compaction. */
  g: number | null;
  /** [hash, at, hash, at, ...]. */
  e: number[];
}

/** cyrb53: a fast, well-mixed 53-bit string hash (public domain, bryc). Never returns 0 here. */
export function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const h = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return h === 0 ? 1 : h;
}

/** Open addressing, linear probing; key 0 = empty. Load factor kept <= 1/2. */
class HashTimeTable {
  keys: Float64Array;
  times: Float64Array;
  size = 0;
  private mask: number;

  constructor(capacity = 1024) {
    this.keys = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  private slot(key: number): number {
    // low 32 bits of the hash are well mixed
    let i = (key % 4294967296) & this.mask;
    const keys = this.keys;
    while (keys[i] !== 0 && keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  get(key: number): number | undefined {
    const i = this.slot(key);
    return this.keys[i] === key ? this.times[i] : undefined;
  }

  set(key: number, at: number): void {
    let i = this.slot(key);
    if (this.keys[i] !== key) {
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key);
      }
      this.keys[i] = key;
      this.size++;
    }
    this.times[i] = at;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldTimes = this.times;
    const capacity = oldKeys.length * 2;
    this.keys = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j]!;
      if (k !== 0) {
        const i = this.slot(k);
        this.keys[i] = k;
        this.times[i] = oldTimes[j]!;
      }
    }
  }

  /** Empties the table for about `expected` entries: reuses its arrays unless far too small or too big. */
  clear(expected: number): void {
    const want = Math.max(1024, 1 << Math.ceil(Math.log2(expected * 2 + 1)));
    if (want > this.keys.length || this.keys.length > 8 * want) {
      this.keys = new Float64Array(want);
      this.times = new Float64Array(want);
      this.mask = want - 1;
    } else {
      this.keys.fill(0);
    }
    this.size = 0;
  }

  forEach(f: (key: number, at: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) f(keys[i]!, this.times[i]!);
  }

  /** Entries in slot order: deterministic for the same history. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== 0) out.push(this.keys[i]!, this.times[i]!);
    return out;
  }

  static fromArray(a: number[]): HashTimeTable {
    const n = a.length / 2;
    const t = new HashTimeTable(Math.max(1024, 1 << Math.ceil(Math.log2(n * 2 + 1))));
    for (let i = 0; i + 1 < a.length; i += 2) t.set(a[i]!, a[i + 1]!);
    return t;
  }
}

export class ReporterDedupe {
  private table = new HashTimeTable();
  private spare = new HashTimeTable();
  private compactedAt: number | null = null;
  /**
   * With journaling on (a checkpoint writer that writes deltas asked for it): the hashes set since
   * the writer last took them, in order. Off by default, so a detector nobody checkpoints (eval,
   * the batch CLI) keeps nothing.
   */
  private journal: Float64Array | null = null;
  private journalLength = 0;
  /** Bumped whenever entries are dropped or the compaction time changes: a delta cannot say that. */
  private generation = 0;

  constructor(
    private readonly dedupeMs: number,
    private readonly horizonMs: number,
  ) {}

  /** True when this report counts; records it. Later reports within dedupeMs (either side) do not count. */
  admit(reporter: string, at: number): boolean {
    if (this.compactedAt === null) {
      this.compactedAt = at;
      this.generation++;
    } else if (at - this.compactedAt >= this.horizonMs) this.compact(at);
    const key = hash53(reporter);
    const last = this.table.get(key);
    if (last !== undefined && (at >= last ? at - last : last - at) < this.dedupeMs) return false;
    this.table.set(key, at);
    if (this.journal !== null) {
      if (this.journalLength === this.journal.length) {
        const bigger = new Float64Array(this.journal.length * 2);
        bigger.set(this.journal);
        this.journal = bigger;
      }
      this.journal[this.journalLength++] = key;
    }
    return true;
  }

  /** Starts journaling the entries set from now on (see `changes`). */
  journalChanges(): void {
    this.journal ??= new Float64Array(256);
  }

  /**
   * Changes since the last compaction (or since journaling started) are deltas of this
   * generation; a new generation (a compaction dropped entries, or the first report set the
   * compaction time) needs the whole table written again.
   */
  get gen(): number {
    return this.generation;
  }

  /** Hashes set so far (the position to pass to `changes` and `dropJournal`). */
  get journaled(): number {
    return this.journalLength;
  }

  /**
   * [hash, at, ...] of the entries set at journal positions [0, upTo), with their current times
   * (an entry set twice appears twice, with the same time; one dropped since is left out).
   */
  changes(upTo: number): number[] {
    const out: number[] = [];
    const journal = this.journal;
    if (journal === null) return out;
    for (let i = 0; i < upTo; i++) {
      const key = journal[i]!;
      const at = this.table.get(key);
      if (at !== undefined) out.push(key, at);
    }
    return out;
  }

  /** Forgets journal positions [0, upTo): they are on the checkpoint. */
  dropJournal(upTo: number): void {
    if (this.journal === null || upTo <= 0) return;
    this.journal.copyWithin(0, upTo, this.journalLength);
    this.journalLength -= upTo;
  }

  get size(): number {
    return this.table.size;
  }

  private compact(at: number): void {
    const cutoff = at - this.horizonMs;
    const target = this.spare;
    target.clear(this.table.size);
    this.table.forEach((key, t) => {
      if (t >= cutoff) target.set(key, t);
    });
    this.spare = this.table;
    this.table = target;
    this.compactedAt = at;
    this.generation++;
  }

  toJSON(): DedupeState {
    return { g: this.compactedAt, e: this.table.toArray() };
  }

  /**
   * The state `toJSON` gave, or a checkpoint's base followed by its deltas (`e` concatenated in
   * the order they were written: a later time for the same hash replaces the earlier one).
   */
  static fromJSON(dedupeMs: number, horizonMs: number, s: DedupeState): ReporterDedupe {
    const d = new ReporterDedupe(dedupeMs, horizonMs);
    d.compactedAt = s.g;
    d.table = HashTimeTable.fromArray(s.e);
    return d;
  }
}
