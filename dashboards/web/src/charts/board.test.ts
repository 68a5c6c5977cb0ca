import { describe, expect, it } from 'vitest';
import type { ServiceSummary, TrendSummary } from '../../../../schemas/api/index';
import type { IncidentEvent, ScoreEvent } from '../../../../schemas/events/index';
import {
  applyIncidentEvent,
  applyScoreEvent,
  applyTrendEvent,
  describeVolume,
  filterServices,
  mergeLiveScores,
  sortServicesByTrouble,
  sortTrends,
} from './board';

const svc = (id: string, name: string, level: ServiceSummary['level'], score: number, extra: Partial<ServiceSummary> = {}): ServiceSummary => ({
  id,
  name,
  category: 'social',
  family: null,
  provider: null,
  level,
  score,
  count: 1,
  expected: 1,
  updatedAt: 1000,
  sparkline: [],
  openIncidentId: null,
  ...extra,
});

const score = (serviceId: string, windowStart: number, level: ScoreEvent['level'], s = 0.99): ScoreEvent => ({
  serviceId,
  windowStart,
  windowEnd: windowStart + 60_000,
  count: 900,
  rawCount: 950,
  expected: 12,
  upper: 30,
  score: s,
  level,
  evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] },
  computedAt: windowStart + 65_000,
});

describe('sortServicesByTrouble', () => {
  it('puts danger first, then warning, then by score, then by name', () => {
    const sorted = sortServicesByTrouble([
      svc('youtube', 'YouTube', 'ok', 0.2),
      svc('twitter', 'Twitter', 'warning', 0.91),
      svc('amazon', 'Amazon', 'ok', 0.2),
      svc('facebook', 'Facebook', 'danger', 0.97),
      svc('whatsapp', 'WhatsApp', 'danger', 0.999),
      svc('telegram', 'Telegram', 'warning', 0.95),
      svc('discord', 'Discord', 'ok', 0.6),
    ]);
    expect(sorted.map((s) => s.id)).toEqual(['whatsapp', 'facebook', 'telegram', 'twitter', 'discord', 'amazon', 'youtube']);
  });

  it('does not change its input', () => {
    const input = [svc('b', 'B', 'ok', 0), svc('a', 'A', 'danger', 1)];
    sortServicesByTrouble(input);
    expect(input.map((s) => s.id)).toEqual(['b', 'a']);
  });
});

describe('filterServices', () => {
  const all = [svc('facebook', 'Facebook', 'ok', 0), svc('whatsapp', 'WhatsApp', 'ok', 0), svc('telia-se', 'Telia Sverige', 'ok', 0), svc('o2-de', 'O₂ Télé', 'ok', 0)];
  it('matches name or id, ignoring case and accents', () => {
    expect(filterServices(all, 'APP').map((s) => s.id)).toEqual(['whatsapp']);
    expect(filterServices(all, 'telia-').map((s) => s.id)).toEqual(['telia-se']);
    expect(filterServices(all, 'tele').map((s) => s.id)).toEqual(['o2-de']);
    expect(filterServices(all, '  ').length).toBe(4);
  });
});

describe('live events on the board', () => {
  it('applies a newer score event to its card', () => {
    const next = applyScoreEvent(svc('twitter', 'Twitter', 'ok', 0.1), score('twitter', 60_000, 'danger'));
    expect(next).toMatchObject({ level: 'danger', score: 0.99, count: 900, expected: 12, updatedAt: 60_000 });
  });

  it('ignores an event older than the card, and one for another service', () => {
    const card = svc('twitter', 'Twitter', 'ok', 0.1, { updatedAt: 120_000 });
    expect(applyScoreEvent(card, score('twitter', 60_000, 'danger'))).toBe(card);
    expect(applyScoreEvent(card, score('facebook', 180_000, 'danger'))).toBe(card);
  });

  it('re-applies the newest live events over a fresh fetch', () => {
    const merged = mergeLiveScores([svc('twitter', 'Twitter', 'ok', 0.1), svc('facebook', 'Facebook', 'ok', 0.1)], new Map([['twitter', score('twitter', 60_000, 'warning', 0.9)]]));
    expect(merged.map((s) => s.level)).toEqual(['warning', 'ok']);
  });

  it('marks and unmarks the open incident of the services an incident event names', () => {
    const event = (type: IncidentEvent['type']): IncidentEvent => ({
      eventId: `i1:${type}`,
      incidentId: 'i1',
      seq: 1,
      type,
      at: 1,
      emittedAt: 1,
      level: 'danger',
      startedAt: 0,
      services: [{ serviceId: 'facebook', role: 'primary', level: 'danger', peakScore: 1, peakCount: 10 }],
      summary: 'x',
    });
    const cards = [svc('facebook', 'Facebook', 'danger', 1), svc('twitter', 'Twitter', 'ok', 0)];
    const opened = applyIncidentEvent(cards, event('opened'));
    expect(opened.map((s) => s.openIncidentId)).toEqual(['i1', null]);
    expect(applyIncidentEvent(opened, event('resolved')).map((s) => s.openIncidentId)).toEqual([null, null]);
  });
});

describe('describeVolume', () => {
  it('says how the count compares with the typical count', () => {
    expect(describeVolume(1240, 40)).toEqual({ count: '1,240', expected: '40', ratio: '31× typical' });
    expect(describeVolume(9, 3.3)).toEqual({ count: '9', expected: '3.3', ratio: '2.7× typical' });
    expect(describeVolume(4, 3.3).ratio).toBe('typical');
    expect(describeVolume(0, 3.3).ratio).toBe('below typical');
    expect(describeVolume(5, 0).ratio).toBe('');
  });
});

describe('trends', () => {
  const trend = (hashtag: string, trending: boolean, burst: number, count: number): TrendSummary => ({
    hashtag,
    serviceId: null,
    outage: null,
    count,
    burst,
    trending,
    lastWindowStart: 60_000,
    sparkline: [count],
  });

  it('sorts trending first, then by burst and count', () => {
    expect(sortTrends([trend('a', false, 0.99, 5), trend('b', true, 0.5, 5), trend('c', true, 0.9, 1)]).map((t) => t.hashtag)).toEqual(['c', 'b', 'a']);
  });

  it('folds a trend event into its hashtag: burst, trending and last window; the exact uses stay until refetched', () => {
    const base = [trend('facebookdown', false, 0.5, 10)];
    const ev = { hashtag: 'facebookdown', windowStart: 120_000, windowEnd: 180_000, count: 7, expected: 1, burst: 0.95, trending: true };
    const next = applyTrendEvent(base, ev);
    expect(next[0]).toMatchObject({ count: 10, burst: 0.95, trending: true, lastWindowStart: 120_000, sparkline: [10] });
    // A later quiet window keeps what the range already had.
    expect(applyTrendEvent(next, { ...ev, windowStart: 180_000, burst: 0.1, trending: false })[0]).toMatchObject({ burst: 0.95, trending: true, lastWindowStart: 180_000 });
    // An older window changes nothing.
    expect(applyTrendEvent(next, { ...ev, windowStart: 60_000, burst: 1 })[0]).toEqual(next[0]);
    expect(applyTrendEvent(base, { ...ev, hashtag: 'new', trending: false })).toHaveLength(1);
    expect(applyTrendEvent(base, { ...ev, hashtag: 'new', serviceId: 'x' })[0]).toMatchObject({ hashtag: 'new', serviceId: 'x', sparkline: [7] });
  });
});
