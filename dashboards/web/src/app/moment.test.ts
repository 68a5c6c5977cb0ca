import { describe, expect, it } from 'vitest';
import { momentQuery, parseMoment, staleDataMoment } from './moment';

describe('parseMoment', () => {
  it('is live without ?at=', () => {
    expect(parseMoment('')).toEqual({ kind: 'live' });
    expect(parseMoment('?at=')).toEqual({ kind: 'live' });
    expect(parseMoment('?range=6h')).toEqual({ kind: 'live' });
  });
  it('reads ISO (UTC without a zone) and epoch ms', () => {
    const t = Date.UTC(2021, 9, 4, 17, 0);
    expect(parseMoment('?at=2021-10-04T17:00:00Z')).toEqual({ kind: 'at', at: t });
    expect(parseMoment('?at=2021-10-04T17:00')).toEqual({ kind: 'at', at: t });
    expect(parseMoment('?at=2021-10-04%2019:00%2B02:00')).toEqual({ kind: 'at', at: t });
    expect(parseMoment(`?at=${t}`)).toEqual({ kind: 'at', at: t });
  });
  it('says when the address holds something else', () => {
    expect(parseMoment('?at=teatime')).toEqual({ kind: 'invalid', text: 'teatime' });
  });
  it('writes the address back', () => {
    expect(momentQuery(Date.UTC(2021, 9, 4, 17, 0))).toBe('?at=2021-10-04T17:00:00Z');
    expect(parseMoment(momentQuery(1633366800123))).toEqual({ kind: 'at', at: 1633366800123 });
  });
});

describe('staleDataMoment', () => {
  const now = Date.UTC(2026, 10, 25, 9);
  it('points at the end of data far behind the clock (a replay of 2021)', () => {
    expect(staleDataMoment(Date.UTC(2021, 9, 5, 1), now)).toBe(Date.UTC(2021, 9, 5, 1));
  });
  it('stays quiet for a live system and before any data', () => {
    expect(staleDataMoment(now - 90_000, now)).toBeNull();
    expect(staleDataMoment(null, now)).toBeNull();
  });
});
