import { describe, expect, it } from 'vitest';
import { countryShapes, prepareWorldMap, SHADES, shadeOf } from './world-map';

const NAMES: Record<string, string> = { US: 'United States', GB: 'United Kingdom', IN: 'India', BR: 'Brazil', XK: 'Kosovo', IE: 'Ireland' };
const regionName = (c: string) => NAMES[c] ?? c;

describe('prepareWorldMap', () => {
  const shares = [
    { key: 'US', count: 340, pct: 34 },
    { key: 'GB', count: 120, pct: 12 },
    { key: 'IN', count: 100, pct: 10 },
    { key: 'unknown', count: 200, pct: 20 },
    { key: 'IE', count: 3, pct: 0.3 },
    { key: 'XK', count: 2, pct: 0.2 },
    { key: 'ZZ', count: 1, pct: 0.1 },
  ];
  const map = prepareWorldMap(shares, { width: 800, height: 390, regionName });
  const byKey = new Map(map.countries.map((c) => [c.key, c]));

  it('draws every country of Natural Earth but Antarctica, in the viewBox', () => {
    expect(map.countries.length).toBe(176);
    expect(map.countries.some((c) => c.name === 'Antarctica')).toBe(false);
    for (const c of map.countries) expect(c.d, c.name).toMatch(/^M[\d.-]+,[\d.-]+/);
    const numbers = map.countries.flatMap((c) => c.d.match(/-?\d+(\.\d+)?/g)!.map(Number));
    expect(Math.min(...numbers)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...numbers)).toBeLessThanOrEqual(800);
  });

  it('shades countries by their share of the reports, the largest darkest', () => {
    expect(byKey.get('US')).toMatchObject({ name: 'United States', count: 340, pct: 34, shade: SHADES, label: 'United States: 340 reports (34%)' });
    expect(byKey.get('GB')!.shade).toBe(3); // sqrt(12 / 34) = 0.59 -> 3 of 5
    expect(byKey.get('IN')!.shade).toBe(3);
    expect(byKey.get('IE')).toMatchObject({ shade: 1, label: 'Ireland: 3 reports (0.3%)' });
    // Kosovo has no numeric code in Natural Earth; it is found by name.
    expect(byKey.get('XK')).toMatchObject({ name: 'Kosovo', count: 2, shade: 1, label: 'Kosovo: 2 reports (0.2%)' });
    const france = map.countries.find((c) => c.name === 'France')!;
    expect(france).toMatchObject({ count: 0, shade: 0, label: 'France: no reports' });
  });

  it('draws the shaded countries last, so their outlines are on top', () => {
    const shades = map.countries.map((c) => c.shade);
    expect(shades).toEqual([...shades].sort((a, b) => a - b));
    expect(map.countries.at(-1)!.key).toBe('US');
  });

  it('lists what it cannot draw and counts what it drew', () => {
    expect(map.unmapped.map((s) => s.key)).toEqual(['unknown', 'ZZ']);
    expect(map.mappedCount).toBe(565);
    expect(map.totalCount).toBe(766);
  });

  it('has a legend from no share to the largest, on the square-root scale', () => {
    expect(map.legend.map((l) => l.shade)).toEqual([1, 2, 3, 4, 5]);
    expect(map.legend[0]!.label).toBe('0%–1%');
    expect(map.legend.at(-1)!.label).toBe('22%–34%');
  });

  it('is a blank map without reports', () => {
    const empty = prepareWorldMap([], { regionName });
    expect(empty.countries.every((c) => c.shade === 0 && c.count === 0)).toBe(true);
    expect(empty.legend).toEqual([]);
    expect(empty.unmapped).toEqual([]);
  });
});

describe('shadeOf', () => {
  it('is 0 without reports and 1..5 on a square-root scale of the share', () => {
    expect(shadeOf(0, 30)).toBe(0);
    expect(shadeOf(5, 0)).toBe(0);
    expect(shadeOf(30, 30)).toBe(5);
    expect(shadeOf(0.01, 30)).toBe(1);
    expect(shadeOf(30 * 0.36, 30)).toBe(3);
  });
});

describe('countryShapes', () => {
  it('is computed once per size', () => {
    expect(countryShapes(400, 200)).toBe(countryShapes(400, 200));
    expect(countryShapes(400, 200)).not.toBe(countryShapes(800, 390));
  });
});
