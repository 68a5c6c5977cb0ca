import { describe, expect, it } from 'vitest';
import { pool, roundStart } from './probe.scheduler';

describe('pool (the probes\' concurrency cap)', () => {
  it('never has more than `limit` tasks in flight, keeps every slot busy, and returns results in task order', async () => {
    let inFlight = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 15, 10, 2, 25, 8, 12, 3, 18];
    const tasks = delays.map((ms, i) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i;
    });
    const out = await pool(tasks, 4);
    expect(out).toEqual(delays.map((_, i) => i));
    expect(most).toBe(4);
    expect(inFlight).toBe(0);
  });

  it('runs them one by one with a limit of 1, and copes with fewer tasks than slots', async () => {
    const order: string[] = [];
    const task = (name: string, ms: number) => async () => {
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`end ${name}`);
      return name;
    };
    expect(await pool([task('a', 10), task('b', 1)], 1)).toEqual(['a', 'b']);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(await pool([task('c', 1)], 8)).toEqual(['c']);
    expect(await pool([], 8)).toEqual([]);
  });
});

describe('roundStart (the probes\' jitter)', () => {
  it('starts a round between its due time and jitter × interval after it, spread by the random draw', () => {
    expect(roundStart(1000, 30_000, 0.2, () => 0)).toBe(1000);
    expect(roundStart(1000, 30_000, 0.2, () => 0.5)).toBe(4000);
    expect(roundStart(1000, 30_000, 0.2, () => 0.999999)).toBeLessThan(1000 + 6000);
    expect(roundStart(1000, 30_000, 0, () => 0.7)).toBe(1000);
    // A draw out of [0, 1) cannot move a round before its due time or past the jitter.
    expect(roundStart(1000, 30_000, 0.2, () => -3)).toBe(1000);
    expect(roundStart(1000, 30_000, 0.2, () => 7)).toBe(7000);
    const starts = Array.from({ length: 1000 }, () => roundStart(0, 30_000, 0.2, Math.random));
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...starts)).toBeLessThan(6000);
    expect(new Set(starts.map((t) => Math.floor(t / 1000))).size).toBe(6); // spread over every second of the 6 s window
  });
});
