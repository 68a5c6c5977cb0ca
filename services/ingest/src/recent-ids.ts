/**
 * A bounded set of recently stored ids: the same report or post id sent twice within its
 * horizon is acknowledged without being produced again. Downstream stores dedupe on the id too
 * (ReplacingMergeTree, uniqExact), so this is the first of two guards, not the only one.
 *
 * Two generations of up to `capacity` ids each: memory stays under 2 x capacity, and the newest
 * ids are always kept. A generation holds its ids in typed arrays, not as strings in a Set: the
 * ids' characters one after the other in one byte arena, and an open-addressed table of entry
 * numbers, each slot with the entry's second 32-bit hash beside it (one cache line a probe); an
 * add() probes once, for the id and for the free slot it takes. At 500,000 ids a generation that is a few
 * ArrayBuffers instead of a million heap strings that every full garbage collection marks (the
 * e2e day keeps both generations full).
 *
 * Exact: a lookup that finds an entry with both hashes equal still compares the stored characters
 * with the id, so a hash collision never makes a new id look recent (a new report is never
 * acknowledged without being stored). Ids are printable ASCII by the schemas (EventId); an id
 * with a character above U+00FF is kept in a plain Set of its generation instead.
 */
export class RecentIds {
  private current: Generation;
  private previous: Generation;
  /** The id's two hashes, as hashInto() leaves them. */
  private readonly h = new Uint32Array(2);
  /** `hashes` is for tests (e.g. one constant hash, so that every id collides with every other). */
  constructor(
    private readonly capacity = 500_000,
    private readonly hashes: { h1(id: string): number; h2(id: string): number } | null = null,
  ) {
    this.current = new Generation(capacity);
    this.previous = new Generation(capacity);
  }

  /** hash1 and hash2 of the id into `h`: by default in one pass over its characters (hashBoth). */
  private hashInto(id: string): void {
    if (this.hashes) {
      this.h[0] = this.hashes.h1(id);
      this.h[1] = this.hashes.h2(id);
    } else hashBoth(id, this.h);
  }

  has(id: string): boolean {
    this.hashInto(id);
    const h1 = this.h[0]!;
    const h2 = this.h[1]!;
    // (an empty previous generation, until the first rotation, is not probed)
    return this.current.has(id, h1, h2) || (this.previous.size > 0 && this.previous.has(id, h1, h2));
  }

  add(id: string): void {
    this.hashInto(id);
    const h1 = this.h[0]!;
    const h2 = this.h[1]!;
    // One probe of the current generation finds the id or the free slot it goes in.
    if (this.current.addIfAbsent(id, h1, h2, this.capacity) !== FULL) return;
    // Full, and the id is not in it: the oldest generation's arrays are emptied and reused (no
    // allocation at a rotation), and the id is the first of the new current generation.
    const oldest = this.previous;
    this.previous = this.current;
    oldest.clear();
    this.current = oldest;
    this.current.addIfAbsent(id, h1, h2, this.capacity);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** FNV-1a over the UTF-16 code units. */
export function hash1(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A second, independent hash (multiply-rotate, murmur3's finaliser), to tell entries apart in a probe. */
export function hash2(s: string): number {
  let h = s.length | 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** hash1(s) and hash2(s) into out[0] and out[1], in one pass over the characters (the same values). */
export function hashBoth(s: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = s.length | 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0xcc9e2d51);
    b = (b << 15) | (b >>> 17);
  }
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  b ^= b >>> 13;
  out[0] = a;
  out[1] = b;
}

/** What Generation.addIfAbsent did: the id was there, it was added, or the generation is full (and the id not there). */
const PRESENT = 0;
const ADDED = 1;
const FULL = 2;

class Generation {
  /** Entries in the arrays; `size` adds the wide ids. */
  private entries = 0;
  /**
   * Two numbers per slot, linear probing: entry number + 1 (0 = empty), then the entry's second
   * hash, side by side so that a probe reads both from one cache line (the table is megabytes,
   * and a lookup of a new id lands on a random slot). At least twice as many slots as entries.
   */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Per entry: where its characters start in `chars` (entry e ends at starts[e + 1]). */
  private readonly starts: Uint32Array;
  private chars: Uint8Array;
  /** Ids with a character above U+00FF (none that the schemas accept). */
  private wide = new Set<string>();

  constructor(capacity: number) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(2 * n);
    this.mask = n - 1;
    this.starts = new Uint32Array(capacity + 1);
    // Grown by doubling as ids arrive (about 40 bytes an id in the e2e day), kept across clear().
    this.chars = new Uint8Array(Math.min(capacity * 40, 64 * 1024));
  }

  get size(): number {
    return this.entries + this.wide.size;
  }

  clear(): void {
    this.slots.fill(0);
    this.entries = 0;
    this.wide = new Set();
  }

  has(id: string, h1: number, h2: number): boolean {
    if (this.wide.size > 0 && this.wide.has(id)) return true;
    return this.probe(id, h1, h2 | 0) < 0;
  }

  /**
   * The id added unless it is here already (PRESENT) or the generation holds `capacity` ids
   * (FULL, nothing added).
   */
  addIfAbsent(id: string, h1: number, h2: number, capacity: number): number {
    const n = id.length;
    for (let k = 0; k < n; k++) {
      if (id.charCodeAt(k) > 0xff) {
        if (this.wide.has(id)) return PRESENT;
        if (this.size >= capacity) return FULL;
        this.wide.add(id);
        return ADDED;
      }
    }
    const check = h2 | 0;
    const slot = this.probe(id, h1, check);
    if (slot < 0) return PRESENT;
    if (this.size >= capacity) return FULL;
    const e = this.entries;
    const from = this.starts[e]!;
    if (from + n > this.chars.length) {
      const grown = new Uint8Array(Math.max(this.chars.length * 2, from + n));
      grown.set(this.chars.subarray(0, from));
      this.chars = grown;
    }
    const chars = this.chars;
    for (let k = 0; k < n; k++) chars[from + k] = id.charCodeAt(k);
    this.starts[e + 1] = from + n;
    this.slots[2 * slot] = e + 1;
    this.slots[2 * slot + 1] = check;
    this.entries = e + 1;
    return ADDED;
  }

  /** -1 when the id is an entry (its characters compared), else the free slot where its probe ended. */
  private probe(id: string, h1: number, check: number): number {
    const { slots, mask, starts, chars } = this;
    const n = id.length;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const e = slots[2 * i]! - 1;
      if (e < 0) return i;
      if (slots[2 * i + 1] !== check) continue;
      const from = starts[e]!;
      if (starts[e + 1]! - from !== n) continue;
      let k = 0;
      while (k < n && chars[from + k] === id.charCodeAt(k)) k++;
      if (k === n) return -1;
    }
  }
}
