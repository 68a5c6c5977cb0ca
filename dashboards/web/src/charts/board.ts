/**
 * The board's decisions: which services come first, which match a search, and how live events
 * change a card. Pure, so the order and the merge rules are unit tested.
 */
import type { ServiceSummary, TrendSummary } from '../../../../schemas/api/index';
import type { IncidentEvent, Level, ScoreEvent, TrendEvent } from '../../../../schemas/events/index';
import { formatCount } from './scale';

export function levelRank(level: Level | null | undefined): number {
  return level === 'danger' ? 2 : level === 'warning' ? 1 : 0;
}

/** Danger first, then warning, then ok; within a level the higher score first, then by name. */
export function sortServicesByTrouble<T extends Pick<ServiceSummary, 'id' | 'name' | 'level' | 'score'>>(services: readonly T[]): T[] {
  return [...services].sort(
    (a, b) =>
      levelRank(b.level) - levelRank(a.level) ||
      b.score - a.score ||
      a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) ||
      a.id.localeCompare(b.id, 'en'),
  );
}

/** Case- and accent-insensitive match on name or id; an empty query matches everything. */
export function filterServices<T extends Pick<ServiceSummary, 'id' | 'name'>>(services: readonly T[], query: string): T[] {
  const q = fold(query.trim());
  if (!q) return [...services];
  return services.filter((s) => fold(s.name).includes(q) || fold(s.id).includes(q));
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/**
 * A score event applied to a card. Events older than what the card shows are ignored, so a
 * late-arriving event or a reconnect replay never moves the card backwards.
 */
export function applyScoreEvent(service: ServiceSummary, event: ScoreEvent): ServiceSummary {
  if (event.serviceId !== service.id) return service;
  if (service.updatedAt !== null && event.windowStart < service.updatedAt) return service;
  return {
    ...service,
    level: event.level,
    score: event.score,
    count: event.count,
    expected: event.expected,
    updatedAt: event.windowStart,
  };
}

/** Cards after live events: the newest score event per service, applied over the fetched list. */
export function mergeLiveScores(services: readonly ServiceSummary[], latest: ReadonlyMap<string, ScoreEvent>): ServiceSummary[] {
  return services.map((s) => {
    const e = latest.get(s.id);
    return e ? applyScoreEvent(s, e) : s;
  });
}

/** An incident event marks (or, once resolved, unmarks) the open incident of its services. */
export function applyIncidentEvent(services: readonly ServiceSummary[], event: IncidentEvent): ServiceSummary[] {
  const ids = new Set(event.services.map((s) => s.serviceId));
  return services.map((s) => {
    if (!ids.has(s.id)) return s;
    if (event.type === 'resolved') return s.openIncidentId === event.incidentId ? { ...s, openIncidentId: null } : s;
    return { ...s, openIncidentId: event.incidentId };
  });
}

export interface VolumeText {
  count: string;
  expected: string;
  /** "31× typical", "typical", "below typical", or "" when there is no baseline */
  ratio: string;
}

/** "1,234 reports vs 40 typical (31×)" for a card. */
export function describeVolume(count: number, expected: number): VolumeText {
  let ratio = '';
  if (expected > 0) {
    const x = count / expected;
    if (x >= 2) ratio = `${x >= 10 ? Math.round(x) : Math.round(x * 10) / 10}× typical`;
    else if (x >= 0.5) ratio = 'typical';
    else ratio = 'below typical';
  }
  const typical = expected < 10 ? String(Math.round(expected * 10) / 10) : formatCount(expected);
  return { count: formatCount(count), expected: typical, ratio };
}

/**
 * A live trend event folded into the trends list. The list's counts and sparklines are exact uses
 * of each hashtag (the API counts distinct posts from the rollup); an event carries only the
 * detector's bounded count of one window, so it updates the burst, the trending flag and the last
 * window, and the page refetches the counts. A hashtag not yet listed that starts trending is
 * added with its window's count until then.
 */
export function applyTrendEvent(trends: readonly TrendSummary[], event: TrendEvent): TrendSummary[] {
  const i = trends.findIndex((t) => t.hashtag === event.hashtag);
  if (i === -1) {
    if (!event.trending) return [...trends];
    return [
      {
        hashtag: event.hashtag,
        serviceId: event.serviceId ?? null,
        outage: event.outage ?? null,
        count: event.count,
        burst: event.burst,
        trending: true,
        lastWindowStart: event.windowStart,
        sparkline: [event.count],
      },
      ...trends,
    ];
  }
  const current = trends[i]!;
  if (event.windowStart < current.lastWindowStart) return [...trends];
  const next = [...trends];
  // Over a range: the highest burst, and trending if it trended in any window.
  next[i] = { ...current, burst: Math.max(current.burst, event.burst), trending: current.trending || event.trending, lastWindowStart: event.windowStart };
  return next;
}

/** Trending first, then by burst, then by count. */
export function sortTrends(trends: readonly TrendSummary[]): TrendSummary[] {
  return [...trends].sort((a, b) => Number(b.trending) - Number(a.trending) || b.burst - a.burst || b.count - a.count || a.hashtag.localeCompare(b.hashtag));
}
