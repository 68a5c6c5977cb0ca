import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from './backoff';

describe('backoffDelay', () => {
  const o = { initialMs: 1000, maxMs: 60_000 };
  it('doubles per attempt between half and all of the step', () => {
    expect(backoffDelay(0, o, () => 0)).toBe(500);
    expect(backoffDelay(0, o, () => 1)).toBe(1000);
    expect(backoffDelay(3, o, () => 0)).toBe(4000);
    expect(backoffDelay(3, o, () => 0.5)).toBe(6000);
  });
  it('is capped, and jittered within the cap', () => {
    expect(backoffDelay(50, o, () => 1)).toBe(60_000);
    expect(backoffDelay(50, o, () => 0)).toBe(30_000);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(10, o)));
    expect(seen.size).toBeGreaterThan(10);
  });
});

describe('sleep', () => {
  it('returns early when aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await p;
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
