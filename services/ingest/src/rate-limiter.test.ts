import { describe, expect, it } from 'vitest';
import { WindowLimiter } from './rate-limiter';
import { RecentIds } from './recent-ids';

describe('WindowLimiter', () => {
  it('allows limit hits per key per window, then refuses until the window ends', () => {
    const l = new WindowLimiter(2, 1000);
    expect([l.hit('a', 0), l.hit('a', 10), l.hit('a', 20), l.hit('b', 30)]).toEqual([true, true, false, true]);
    expect(l.retryAfterS(500)).toBe(1);
    expect(l.hit('a', 1000)).toBe(true);
  });
  it('stays bounded with many distinct keys', () => {
    const l = new WindowLimiter(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) l.hit(`k${i}`, 5);
    expect((l as unknown as { counts: Map<string, number> }).counts.size).toBeLessThanOrEqual(100);
  });
});

describe('RecentIds', () => {
  it('remembers ids and keeps memory under twice its capacity', () => {
    const r = new RecentIds(10);
    for (let i = 0; i < 100; i++) r.add(`id${i}`);
    expect(r.has('id99')).toBe(true);
    expect(r.has('id0')).toBe(false);
    expect(r.size).toBeLessThanOrEqual(20);
  });
});
