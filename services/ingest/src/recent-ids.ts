/**
 * A bounded set of recently stored ids: the same report or post id sent twice within its
 * horizon is acknowledged without being produced again. Downstream stores dedupe on the id too
 * (ReplacingMergeTree, uniqExact), so this is the first of two guards, not the only one.
 *
 * Two generations of up to `capacity` ids each: memory stays under 2 x capacity, and the newest
 * ids are always kept. A generation holds its ids in typed arrays, not as strings in a Set: the
 * ids' characters one after the other in one byte arena, and an open-addressed table of entry
 * numbers with a second 32-bit hash per entry. At 500,000 ids a generation that is a few
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
  /** `hashes` is for tests (e.g. one constant hash, so that every id collides with every other). */
  constructor(
    private readonly capacity = 500_000,
    private readonly hashes: { h1(id: string): number; h2(id: string): number } = { h1: hash1, h2: hash2 },
  ) {
    this.current = new Generation(capacity);
    this.previous = new Generation(capacity);
  }

  has(id: string): boolean {
    const h1 = this.hashes.h1(id);
    const h2 = this.hashes.h2(id);
    return this.current.has(id, h1, h2) || this.previous.has(id, h1, h2);
  }

  add(id: string): void {
    const h1 = this.hashes.h1(id);
    const h2 = this.hashes.h2(id);
    if (this.current.has(id, h1, h2)) return;
    if (this.current.size >= this.capacity) {
      // The oldest generation's arrays are emptied and reused: no allocation at a rotation.
      const oldest = this.previous;
      this.previous = this.current;
      oldest.clear();
      this.current = oldest;
    }
    this.current.add(id, h1, h2);
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

class Generation {
  /** Entries in the arrays; `size` adds the wide ids. */
  private entries = 0;
  /** Entry number + 1 per slot (0 = empty), linear probing; at least twice as many slots as entries. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Per entry: its second hash, and where its characters start in `chars` (entry e ends at starts[e + 1]). */
  private readonly check: Uint32Array;
  private readonly starts: Uint32Array;
  private chars: Uint8Array;
  /** Ids with a character above U+00FF (none that the schemas accept). */
  private wide = new Set<string>();

  constructor(private readonly capacity: number) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    this.check = new Uint32Array(capacity);
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
    const { slots, mask, check, starts, chars } = this;
    const n = id.length;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const e = slots[i]! - 1;
      if (e < 0) return false;
      if (check[e] !== h2) continue;
      const from = starts[e]!;
      if (starts[e + 1]! - from !== n) continue;
      let k = 0;
      while (k < n && chars[from + k] === id.charCodeAt(k)) k++;
      if (k === n) return true;
    }
  }

  /** The caller checked that the id is not here and that there is room (size < capacity). */
  add(id: string, h1: number, h2: number): void {
    const n = id.length;
    for (let k = 0; k < n; k++) {
      if (id.charCodeAt(k) > 0xff) {
        this.wide.add(id);
        return;
      }
    }
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
    this.check[e] = h2;
    const { slots, mask } = this;
    let i = h1 & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = e + 1;
    this.entries = e + 1;
  }
}
