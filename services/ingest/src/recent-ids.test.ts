import { describe, expect, it } from 'vitest';
import { RecentIds, hash1, hash2, hashBoth } from './recent-ids';
import { seededRandom } from '@downradar/common/seeded-random';

/** The former RecentIds: two generations of Sets of strings, the behaviour to keep. */
class Model {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string) {
    return this.current.has(id) || this.previous.has(id);
  }
  add(id: string) {
    if (this.current.has(id)) return;
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
  }
  get size() {
    return this.current.size + this.previous.size;
  }
}

function idPool(n: number, next: () => number): string[] {
  const alphabet = 'abcXYZ019._:-';
  const pool = new Set<string>(['a', 'ab', 'abc', 'ba', 'b', 'r-é', 'r-ü', 'p:a', 'p:ab', 'x\u{1F600}', 'x\u00ff', 'x\u0100', '']);
  while (pool.size < n) {
    const len = 1 + Math.floor(next() * 45);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    pool.add(s);
  }
  return [...pool];
}

function compare(make: (capacity: number) => RecentIds, seed: number) {
  const next = seededRandom(seed);
  const pool = idPool(400, next);
  for (const capacity of [1, 7, 50, 300]) {
    const r = make(capacity);
    const m = new Model(capacity);
    const differences: string[] = [];
    for (let op = 0; op < 6000; op++) {
      const id = pool[Math.floor(next() * pool.length)]!;
      if (next() < 0.5) {
        r.add(id);
        m.add(id);
      } else if (r.has(id) !== m.has(id)) differences.push(`has(${JSON.stringify(id)}) at op ${op}, capacity ${capacity}: ${r.has(id)}`);
      if (r.size !== m.size) differences.push(`size at op ${op}, capacity ${capacity}: ${r.size} against ${m.size}`);
    }
    for (const id of pool) if (r.has(id) !== m.has(id)) differences.push(`has(${JSON.stringify(id)}) at the end, capacity ${capacity}`);
    expect(differences).toEqual([]);
  }
}

describe('RecentIds', () => {
  it('remembers ids and keeps memory under twice its capacity', () => {
    const r = new RecentIds(10);
    for (let i = 0; i < 100; i++) r.add(`id${i}`);
    expect(r.has('id99')).toBe(true);
    expect(r.has('id0')).toBe(false);
    expect(r.size).toBeLessThanOrEqual(20);
  });

  it('answers as two generations of Sets do, over drawn ids, capacities and rotations', () => {
    compare((c) => new RecentIds(c), 1);
    compare((c) => new RecentIds(c), 2);
  });

  it('is exact when every id has the same hashes: a collision never makes a new id recent', () => {
    compare((c) => new RecentIds(c, { h1: () => 12345, h2: () => 678 }), 3);
    const r = new RecentIds(100, { h1: () => 1, h2: () => 2 });
    r.add('fb-2021-10-04.c16ws.s0.02:g7g10:2');
    expect(r.has('fb-2021-10-04.c16ws.s0.02:g7g10:2')).toBe(true);
    expect(r.has('fb-2021-10-04.c16ws.s0.02:g7g10:3')).toBe(false);
    expect(r.has('fb-2021-10-04.c16ws.s0.02:g7g10:')).toBe(false);
    expect(r.has('fb-2021-10-04.c16ws.s0.02:g7g10:22')).toBe(false);
  });

  it('hashes an id in one pass to the values of hash1 and hash2', () => {
    const next = seededRandom(4);
    const out = new Uint32Array(2);
    const wrong: string[] = [];
    for (const id of [...idPool(2000, next), 'x'.repeat(300), '\u{1F600}'.repeat(9)]) {
      hashBoth(id, out);
      if (out[0] !== hash1(id) || out[1] !== hash2(id)) wrong.push(id);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps ids of any length as its arena grows, across rotations', () => {
    const r = new RecentIds(3000);
    const ids = Array.from({ length: 9000 }, (_, i) => `${'x'.repeat(i % 300)}:${i}`);
    for (const id of ids) r.add(id);
    // the last two generations (ids 3000..8999) are kept, the first is gone
    expect(ids.slice(3000).every((id) => r.has(id))).toBe(true);
    expect(ids.slice(0, 3000).some((id) => r.has(id))).toBe(false);
    expect(r.size).toBe(6000);
  });
});
