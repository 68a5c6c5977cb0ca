/**
 * Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi 2005) over a min-heap: a fixed number
 * of counters however many distinct keys arrive. A new key takes over the smallest counter and
 * inherits its count as `error`, so `count` over-estimates and `count - error` is a guaranteed
 * lower bound; any key with true frequency above N / capacity is guaranteed to be present.
 *
 * That is what bounds the detector's memory when a million distinct hashtags arrive per hour:
 * the noise competes for the smallest counters while real trends keep theirs.
 *
 * Each entry also carries an attribution (the service whose signal brought the key), reduced to
 * MIXED when two different services brought it; trends use it to name the service of a hashtag
 * the catalog does not know.
 */

export const MIXED = '*';

export interface SpaceSavingEntry {
  key: string;
  count: number;
  error: number;
  attribution: string;
  heapIndex: number;
}

export type SpaceSavingState = (string | number)[];

export class SpaceSaving {
  private readonly heap: SpaceSavingEntry[] = [];
  private readonly index = new Map<string, SpaceSavingEntry>();
  /** Total number of additions (N). */
  total = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.heap.length;
  }

  add(key: string, attribution: string): void {
    this.total++;
    const e = this.index.get(key);
    if (e !== undefined) {
      e.count++;
      if (e.attribution !== attribution) e.attribution = MIXED;
      this.siftDown(e.heapIndex);
      return;
    }
    if (this.heap.length < this.capacity) {
      const n: SpaceSavingEntry = { key, count: 1, error: 0, attribution, heapIndex: this.heap.length };
      this.heap.push(n);
      this.index.set(key, n);
      this.siftUp(n.heapIndex);
      return;
    }
    const min = this.heap[0]!;
    this.index.delete(min.key);
    min.key = key;
    min.error = min.count;
    min.count += 1;
    min.attribution = attribution;
    this.index.set(key, min);
    this.siftDown(0);
  }

  get(key: string): SpaceSavingEntry | undefined {
    return this.index.get(key);
  }

  /** All entries, in no particular order (callers sort). */
  entries(): readonly SpaceSavingEntry[] {
    return this.heap;
  }

  clear(): void {
    this.heap.length = 0;
    this.index.clear();
    this.total = 0;
  }

  private less(a: SpaceSavingEntry, b: SpaceSavingEntry): boolean {
    return a.count < b.count;
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    b.heapIndex = i;
    a.heapIndex = j;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[p]!)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      let m = l;
      if (r < n && this.less(h[r]!, h[l]!)) m = r;
      if (!this.less(h[m]!, h[i]!)) return;
      this.swap(i, m);
      i = m;
    }
  }

  /** Heap order preserved, so a restored instance evicts exactly as the original would. */
  toJSON(): SpaceSavingState {
    const out: SpaceSavingState = [this.total];
    for (const e of this.heap) out.push(e.key, e.count, e.error, e.attribution);
    return out;
  }

  static fromJSON(capacity: number, s: SpaceSavingState): SpaceSaving {
    const ss = new SpaceSaving(capacity);
    ss.total = s[0] as number;
    for (let i = 1; i + 3 < s.length; i += 4) {
      const e: SpaceSavingEntry = { key: s[i] as string, count: s[i + 1] as number, error: s[i + 2] as number, attribution: s[i + 3] as string, heapIndex: ss.heap.length };
      ss.heap.push(e);
      ss.index.set(e.key, e);
    }
    return ss;
  }
}

/** Top entries by guaranteed count (count - error), ties by key: deterministic evidence lists. */
export function topGuaranteed(ss: SpaceSaving, k: number, minCount = 1): SpaceSavingEntry[] {
  const out: SpaceSavingEntry[] = [];
  for (const e of ss.entries()) if (e.count - e.error >= minCount) out.push(e);
  out.sort((a, b) => b.count - b.error - (a.count - a.error) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (out.length > k) out.length = k;
  return out;
}
