/**
 * The official-status strip and the probe strip under a service's crowd curve, and the
 * acknowledgement line of an incident. Every decision is made here; the components only render.
 *
 * Positions are fractions (0..1) of the shown range, so a strip lines up with the range whatever
 * its width. A stretch the page said nothing about is 'none' (drawn empty), never assumed fine.
 */
import type { AcknowledgementResponse, OfficialEntry, OfficialResponse, ProbesResponse } from '../../../../schemas/api/index';
import type { OfficialStatus } from '../../../../schemas/events/index';

export interface StripSegment {
  start: number;
  end: number;
  status: OfficialStatus | 'none';
  label: string;
}

export interface StripMarker {
  at: number;
  x: number;
  status: OfficialStatus;
  title: string;
  url: string;
}

export interface OfficialStrip {
  /** No status page is known for the service. */
  noSource: boolean;
  sourceUrl: string | null;
  segments: StripSegment[];
  /** Incident updates and feed items, as ticks. */
  markers: StripMarker[];
}

export const OFFICIAL_LABEL: Record<OfficialStatus | 'none', string> = {
  operational: 'operational',
  degraded: 'degraded performance',
  partial_outage: 'partial outage',
  major_outage: 'major outage',
  maintenance: 'maintenance',
  unknown: 'posted an update',
  none: 'no word from the status page',
};

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

export function prepareOfficialStrip(r: OfficialResponse, range: { from: number; to: number }): OfficialStrip {
  const span = Math.max(1, range.to - range.from);
  const x = (t: number) => clamp01((t - range.from) / span);
  const pages = r.entries.filter((e) => e.kind === 'page');
  const segments: StripSegment[] = [];
  let current: { at: number; status: OfficialStatus | 'none' } = r.before ? { at: range.from, status: r.before.status } : { at: range.from, status: 'none' };
  const push = (until: number) => {
    if (until <= current.at) return;
    const last = segments[segments.length - 1];
    if (last && last.status === current.status) last.end = x(until);
    else segments.push({ start: x(current.at), end: x(until), status: current.status, label: OFFICIAL_LABEL[current.status] });
  };
  for (const p of pages) {
    const at = Math.max(range.from, Math.min(range.to, p.at));
    push(at);
    current = { at, status: p.status };
  }
  push(range.to);
  const markers = r.entries
    .filter((e: OfficialEntry) => e.kind === 'incident' && e.at >= range.from && e.at <= range.to)
    .map((e) => ({ at: e.at, x: x(e.at), status: e.status, title: e.title, url: e.url }));
  return { noSource: r.source === null && r.entries.length === 0 && r.before === null, sourceUrl: r.source?.url ?? null, segments, markers };
}

export interface ProbeCell {
  start: number;
  end: number;
  state: 'ok' | 'failing' | 'partial';
  label: string;
}

export interface ProbeStrip {
  cells: ProbeCell[];
  domains: string[];
  failedMinutes: number;
  probedMinutes: number;
  /** Median of the per-minute HTTPS medians, ms; null when none answered. */
  typicalHttpsMs: number | null;
}

/** One cell per probed minute: every probe failed, some did, or none did. Unprobed minutes stay empty. */
export function prepareProbeStrip(r: ProbesResponse, range: { from: number; to: number }): ProbeStrip {
  const span = Math.max(1, range.to - range.from);
  const byMinute = new Map<number, { probes: number; failed: number; failures: Set<string>; https: number | null }>();
  for (const m of r.minutes) {
    let c = byMinute.get(m.minute);
    if (!c) byMinute.set(m.minute, (c = { probes: 0, failed: 0, failures: new Set(), https: null }));
    c.probes += m.probes;
    c.failed += m.failed;
    for (const f of m.failures) c.failures.add(f);
    if (m.kind === 'https' && m.medianLatencyMs !== null) c.https = m.medianLatencyMs;
  }
  const cells: ProbeCell[] = [];
  const https: number[] = [];
  let failedMinutes = 0;
  for (const [minute, c] of [...byMinute].sort((a, b) => a[0] - b[0])) {
    if (minute + 60_000 <= range.from || minute >= range.to) continue;
    const state = c.failed === 0 ? 'ok' : c.failed >= c.probes ? 'failing' : 'partial';
    if (state !== 'ok') failedMinutes++;
    if (c.https !== null) https.push(c.https);
    const what = state === 'ok' ? `all ${c.probes} probes answered` : `${c.failed} of ${c.probes} probes failed: ${[...c.failures].sort().join(', ')}`;
    cells.push({
      start: clamp01((minute - range.from) / span),
      end: clamp01((minute + 60_000 - range.from) / span),
      state,
      label: `${what}${c.https !== null ? ` · HTTPS ${Math.round(c.https)} ms` : ''}`,
    });
  }
  https.sort((a, b) => a - b);
  return { cells, domains: r.domains, failedMinutes, probedMinutes: cells.length, typicalHttpsMs: https.length ? https[Math.floor(https.length / 2)]! : null };
}

/** "5 min after downradar's detection", "2 min before", "at the same minute". */
export function describeDelay(seconds: number): string {
  const minutes = Math.round(Math.abs(seconds) / 60);
  if (minutes === 0) return 'within a minute of downradar\'s detection';
  const amount = minutes >= 120 ? `${(minutes / 60).toFixed(1)} h` : `${minutes} min`;
  return seconds > 0 ? `${amount} after downradar's detection` : `${amount} before downradar's detection`;
}

export interface AcknowledgementLine {
  serviceId: string;
  acknowledgedAt: number;
  detectedAt: number;
  text: string;
  title: string;
  url: string;
  late: boolean;
}

export function prepareAcknowledgements(r: AcknowledgementResponse): AcknowledgementLine[] {
  return r.services.map((s) => ({
    serviceId: s.serviceId,
    acknowledgedAt: s.acknowledgedAt,
    detectedAt: s.detectedAt,
    text: describeDelay(s.afterDetectionS),
    title: s.title,
    url: s.url,
    late: s.afterDetectionS > 0,
  }));
}
