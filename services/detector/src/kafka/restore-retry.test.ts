import { describe, expect, it } from 'vitest';
import { restoreFailureLevel, restoreRetryDelayMs } from './restore-retry';

describe('restoreRetryDelayMs', () => {
  it('starts at 2 s and doubles', () => {
    expect([1, 2, 3, 4].map(restoreRetryDelayMs)).toEqual([2000, 4000, 8000, 16_000]);
  });
  it('never waits more than 30 s, however many attempts failed', () => {
    expect(restoreRetryDelayMs(5)).toBe(30_000);
    expect(restoreRetryDelayMs(1000)).toBe(30_000);
  });
  it('covers a broker restart of half a minute within a few attempts', () => {
    let waited = 0;
    let attempt = 1;
    while (waited < 30_000) waited += restoreRetryDelayMs(attempt++);
    expect(attempt - 1).toBeLessThanOrEqual(4);
  });
});

describe('restoreFailureLevel', () => {
  it('warns on the first two failures (a leader moving) and reports an error from the third on', () => {
    expect([1, 2, 3, 4, 50].map(restoreFailureLevel)).toEqual(['warn', 'warn', 'error', 'error', 'error']);
  });
});
