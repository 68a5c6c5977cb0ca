/**
 * Breakdown bars ("most reported problems", countries, sources): the share of each key in %, with
 * a readable label. The API's `pct` is a percentage (0..100); a list whose shares sum to at most 1
 * is read as fractions, so that either convention draws the same bars.
 */
import type { BreakdownResponse } from '../../../../schemas/api/index';

type Share = BreakdownResponse['problems'][number];

export interface ShareBar {
  key: string;
  label: string;
  count: number;
  /** 0..100, rounded to one decimal */
  pct: number;
  /** "47%" or "0.4%" */
  pctText: string;
  /** bar length relative to the largest share, 0..100 */
  width: number;
}

const PROBLEM_LABELS: Record<string, string> = {
  login: 'Login',
  app: 'App',
  server_connection: 'Server connection',
  messaging: 'Messaging',
  website: 'Website',
  other: 'Other',
};

const SOURCE_LABELS: Record<string, string> = {
  report: 'Problem reports',
  reports: 'Problem reports',
  hashtag: 'Hashtags',
  mention: 'Mentions',
  web: 'Web reports',
  api: 'API reports',
  replay: 'Replay',
};

export type ShareKind = 'problem' | 'country' | 'source';

export function prepareShares(shares: readonly Share[], kind: ShareKind, options: { limit?: number; regionName?: (code: string) => string } = {}): ShareBar[] {
  const sumPct = shares.reduce((s, x) => s + (Number.isFinite(x.pct) ? x.pct : 0), 0);
  const sumCount = shares.reduce((s, x) => s + x.count, 0);
  const fractions = sumPct > 0 && sumPct <= 1.0001;
  const pctOf = (x: Share) => {
    if (sumPct > 0) return fractions ? x.pct * 100 : x.pct;
    return sumCount > 0 ? (x.count / sumCount) * 100 : 0;
  };
  const sorted = [...shares].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)).slice(0, options.limit ?? 10);
  const top = sorted.reduce((m, x) => Math.max(m, pctOf(x)), 0);
  return sorted.map((x) => {
    const pct = Math.round(pctOf(x) * 10) / 10;
    return {
      key: x.key,
      label: labelFor(x.key, kind, options.regionName),
      count: x.count,
      pct,
      pctText: pct >= 1 || pct === 0 ? `${Math.round(pct)}%` : `${pct}%`,
      width: top > 0 ? Math.round((pctOf(x) / top) * 1000) / 10 : 0,
    };
  });
}

function labelFor(key: string, kind: ShareKind, regionName?: (code: string) => string): string {
  if (kind === 'problem') return PROBLEM_LABELS[key] ?? humanise(key);
  if (kind === 'source') return SOURCE_LABELS[key] ?? humanise(key);
  const name = regionName?.(key);
  return name && name !== key ? name : key;
}

function humanise(key: string): string {
  const s = key.replace(/[_-]+/g, ' ').trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : key;
}

export function problemLabel(key: string): string {
  return PROBLEM_LABELS[key] ?? humanise(key);
}
