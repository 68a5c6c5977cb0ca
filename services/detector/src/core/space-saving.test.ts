import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/simulate';
import { MIXED, SpaceSaving, topGuaranteed } from './space-saving';

describe('SpaceSaving', () => {
  it('counts exactly while the keys fit', () => {
    const ss = new SpaceSaving(10);
    for (let i = 0; i < 100; i++) ss.add(`k${i % 7}`, 'svc');
    expect(ss.size).toBe(7);
    for (const e of ss.entries()) {
      expect(e.error).toBe(0);
      expect(e.count).toBe(e.key === 'k0' || e.key === 'k1' ? 15 : 14);
    }
  });

  it('keeps the heavy hitters among a million distinct keys, with honest bounds', () => {
    const ss = new SpaceSaving(256);
    const rand = seededRandom(3);
    const heavy = new Map<string, number>();
    for (let i = 0; i < 1_000_000; i++) {
      if (rand() < 0.05) {
        const k = `heavy${Math.floor(rand() * 10)}`;
        heavy.set(k, (heavy.get(k) ?? 0) + 1);
        ss.add(k, 'x');
      } else {
        ss.add(`noise${i}`, 'y');
      }
    }
    expect(ss.size).toBe(256);
    const top = topGuaranteed(ss, 10);
    expect(new Set(top.map((e) => e.key))).toEqual(new Set(heavy.keys()));
    for (const e of top) {
      const truth = heavy.get(e.key)!;
      expect(e.count - e.error).toBeLessThanOrEqual(truth);
      expect(e.count).toBeGreaterThanOrEqual(truth);
    }
  });

  it('reduces the attribution to MIXED when two services bring the same key', () => {
    const ss = new SpaceSaving(4);
    ss.add('facebookdown', 'facebook');
    ss.add('facebookdown', 'facebook');
    ss.add('down', 'facebook');
    ss.add('down', 'twitter');
    expect(ss.get('facebookdown')!.attribution).toBe('facebook');
    expect(ss.get('down')!.attribution).toBe(MIXED);
  });

  it('restores with the same heap, so it evicts the same way', () => {
    const a = new SpaceSaving(8);
    for (let i = 0; i < 500; i++) a.add(`k${(i * 7919) % 23}`, 's');
    const b = SpaceSaving.fromJSON(8, JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 0; i < 500; i++) {
      a.add(`q${(i * 104729) % 31}`, 's');
      b.add(`q${(i * 104729) % 31}`, 's');
    }
    expect(b.toJSON()).toEqual(a.toJSON());
  });
});
