import { describe, expect, it } from 'vitest';
import { formatCompact, formatCount, niceScale } from './scale';

describe('niceScale', () => {
  it('rounds up to steps of 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceScale(48000)).toEqual({ max: 60000, ticks: [0, 20000, 40000, 60000] });
    expect(niceScale(95)).toEqual({ max: 150, ticks: [0, 50, 100, 150] });
    expect(niceScale(20)).toEqual({ max: 30, ticks: [0, 10, 20, 30] });
    expect(niceScale(230)).toEqual({ max: 300, ticks: [0, 100, 200, 300] });
    expect(niceScale(3)).toEqual({ max: 4, ticks: [0, 1, 2, 3, 4] });
  });
  it('never has fractional ticks for counts, and copes with 0', () => {
    expect(niceScale(0)).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceScale(0.4).ticks.every(Number.isInteger)).toBe(true);
  });
});

describe('number formatting', () => {
  it('groups thousands the same everywhere', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(-1200.4)).toBe('-1,200');
  });
  it('compacts axis labels', () => {
    expect([formatCompact(950), formatCompact(1250), formatCompact(45000), formatCompact(2_500_000)]).toEqual(['950', '1.3k', '45k', '2.5M']);
  });
});
