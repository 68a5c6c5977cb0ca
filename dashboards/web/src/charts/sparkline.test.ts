import { describe, expect, it } from 'vitest';
import { prepareSparkline } from './sparkline';

describe('prepareSparkline', () => {
  it('scales counts into the box, highest at the top edge', () => {
    const s = prepareSparkline([0, 5, 10], { width: 22, height: 12, padding: 1 });
    expect(s.line).toBe('M1,11L11,6L21,1');
    expect(s.area).toBe('M1,11L11,6L21,1L21,11L1,11Z');
    expect(s).toMatchObject({ max: 10, last: 10, total: 15, empty: false });
  });

  it('counts a missing or invalid value as 0', () => {
    expect(prepareSparkline([4, null, undefined, Number.NaN, -3, 4], { width: 12, height: 6, padding: 1 }).line).toBe('M1,1L3,5L5,5L7,5L9,5L11,1');
  });

  it('draws an all-zero series flat on the bottom and calls it empty', () => {
    const s = prepareSparkline([0, 0], { width: 10, height: 10, padding: 0 });
    expect(s.line).toBe('M0,10L10,10');
    expect(s.empty).toBe(true);
  });

  it('stretches a single value across and has no path without values', () => {
    expect(prepareSparkline([3], { width: 10, height: 10, padding: 0 }).line).toBe('M0,0L10,0');
    expect(prepareSparkline([])).toMatchObject({ line: '', area: '', empty: true });
  });

  it('rounds coordinates to 2 decimals', () => {
    expect(prepareSparkline([1, 2, 3], { width: 10, height: 10, padding: 0 }).line).toBe('M0,6.67L5,3.33L10,0');
  });
});
