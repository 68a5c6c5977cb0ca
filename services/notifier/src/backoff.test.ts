import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, nextAttemptAt, parseRetryAfter } from './backoff';

const policy = { baseMs: 1000, maxMs: 30_000, maxAttempts: 40, horizonMs: 600_000 };

describe('backoff schedule', () => {
  it('doubles the ceiling from the base up to the max', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffCeiling(n, policy))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(backoffCeiling(2000, policy)).toBe(30_000); // no overflow
  });

  it('full jitter: anywhere in [0, ceiling)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(3999);
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelay(10, policy);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(30_000);
    }
  });

  it('gives up after the last attempt', () => {
    const p = { ...policy, maxAttempts: 3 };
    expect(nextAttemptAt({ attemptsMade: 2, firstAttemptAt: 0, now: 10, policy: p, random: () => 0.5 })).toBe(10 + 1000);
    expect(nextAttemptAt({ attemptsMade: 3, firstAttemptAt: 0, now: 10, policy: p, random: () => 0.5 })).toBeUndefined();
  });

  it('gives up when the next try would fall beyond the horizon', () => {
    expect(nextAttemptAt({ attemptsMade: 10, firstAttemptAt: 0, now: 590_000, policy, random: () => 0.2 })).toBe(596_000);
    expect(nextAttemptAt({ attemptsMade: 10, firstAttemptAt: 0, now: 590_000, policy, random: () => 0.5 })).toBeUndefined();
  });

  it('honours Retry-After when it asks for longer than the backoff', () => {
    expect(nextAttemptAt({ attemptsMade: 1, firstAttemptAt: 0, now: 0, retryAfterMs: 7000, policy, random: () => 0.5 })).toBe(7000);
    expect(nextAttemptAt({ attemptsMade: 6, firstAttemptAt: 0, now: 0, retryAfterMs: 1000, policy, random: () => 0.5 })).toBe(15_000);
    expect(nextAttemptAt({ attemptsMade: 1, firstAttemptAt: 0, now: 0, retryAfterMs: 700_000, policy })).toBeUndefined();
  });

  it('a receiver down for 2 minutes is still retried afterwards with the defaults', () => {
    // Worst case for the horizon: every jitter draws its maximum.
    let t = 0;
    let n = 0;
    for (;;) {
      const at = nextAttemptAt({ attemptsMade: ++n, firstAttemptAt: 0, now: t, policy, random: () => 0.999 });
      if (at === undefined) break;
      t = at;
    }
    expect(t).toBeGreaterThan(300_000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2021-10-04T16:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 04 Oct 2021 16:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 04 Oct 2021 15:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('99999999', now)).toBe(86_400_000);
  });
});
