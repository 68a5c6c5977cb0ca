import { describe, expect, it } from 'vitest';
import { ReporterDedupe } from './dedupe';

const MIN = 60_000;
const DEDUPE = 15 * MIN;
const GEN = DEDUPE + 15_000 + MIN;
const T0 = Date.UTC(2021, 9, 4, 15, 0);

describe('ReporterDedupe', () => {
  it('counts the first report per reporter per 15 minutes', () => {
    const d = new ReporterDedupe(DEDUPE, GEN);
    expect(d.admit('a', T0)).toBe(true);
    expect(d.admit('a', T0 + 5 * MIN)).toBe(false);
    expect(d.admit('b', T0 + 5 * MIN)).toBe(true);
    expect(d.admit('a', T0 + 15 * MIN - 1)).toBe(false);
    // duplicates do not extend the window: 15 min after the counted one counts again
    expect(d.admit('a', T0 + 15 * MIN)).toBe(true);
  });

  it('treats an earlier, out-of-order report within 15 minutes as the same report', () => {
    const d = new ReporterDedupe(DEDUPE, GEN);
    expect(d.admit('a', T0 + 10 * MIN)).toBe(true);
    expect(d.admit('a', T0 + 9 * MIN)).toBe(false);
  });

  it('remembers across a compaction what an acceptable event could still match', () => {
    const d = new ReporterDedupe(DEDUPE, GEN);
    expect(d.admit('a', T0)).toBe(true);
    expect(d.admit('b', T0 + GEN - 1)).toBe(true);
    expect(d.admit('z', T0 + GEN + 2 * MIN)).toBe(true); // compacts: 'a' is older than the horizon, 'b' is kept
    expect(d.size).toBe(2);
    expect(d.admit('b', T0 + GEN + 5 * MIN)).toBe(false);
    expect(d.admit('a', T0 + GEN + 5 * MIN)).toBe(true);
  });

  it('keeps memory bounded by the last two generations of traffic', () => {
    const d = new ReporterDedupe(DEDUPE, GEN);
    let max = 0;
    // 1,000,000 distinct reporters over ~17 hours (1,000 a minute)
    for (let i = 0; i < 1_000_000; i++) {
      d.admit(`r${i}`, T0 + i * 60);
      if (d.size > max) max = d.size;
    }
    expect(max).toBeLessThanOrEqual(Math.ceil((2 * GEN) / 60) + 1);
    expect(d.size).toBeGreaterThanOrEqual(Math.floor(GEN / 60));
  });

  it('restores exactly', () => {
    const d = new ReporterDedupe(DEDUPE, GEN);
    for (let i = 0; i < 100; i++) d.admit(`r${i % 37}`, T0 + i * 20_000);
    const copy = ReporterDedupe.fromJSON(DEDUPE, GEN, JSON.parse(JSON.stringify(d.toJSON())));
    for (let i = 100; i < 300; i++) expect(copy.admit(`r${i % 41}`, T0 + i * 20_000)).toBe(d.admit(`r${i % 41}`, T0 + i * 20_000));
  });
});
