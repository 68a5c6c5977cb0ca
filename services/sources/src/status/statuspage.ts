/**
 * Atlassian Statuspage v2, read from a page's public API: /api/v2/summary.json (page, components
 * with their status, unresolved incidents with their updates, `status.indicator`) and
 * /api/v2/incidents.json (the latest incidents, resolved ones included, with every update).
 *
 * The poller keeps what it has already reported (component statuses, incident update ids, the
 * service's overall status) and turns each new document into the changes since then: one
 * OfficialStatusEvent per change, with an id made from what the provider published, so reading
 * the same document twice (a restart) makes no new event. Pure.
 */
import { createHash } from 'node:crypto';
import type { OfficialStatus, OfficialStatusEvent } from '../../../../schemas/events/index';

export interface PageState {
  /** The service's overall official status last reported (kind 'page'); null before the first poll. */
  pageStatus: OfficialStatus | null;
  /** Component id -> status as the provider wrote it. */
  components: Record<string, string>;
  /** Incident update ids and feed item ids already reported (newest last, bounded). */
  seen: string[];
  /** HTTP validators per URL, for conditional requests. */
  validators: Record<string, { etag?: string; lastModified?: string }>;
}

export const emptyPageState = (): PageState => ({ pageStatus: null, components: {}, seen: [], validators: {} });
const MAX_SEEN = 1000;

export interface ReadContext {
  serviceId: string;
  /** The page (Statuspage) or the feed URL. */
  url: string;
  now: number;
}

const RANK: Record<OfficialStatus, number> = { operational: 0, unknown: 0, maintenance: 1, degraded: 2, partial_outage: 3, major_outage: 4 };
export const worstStatus = (a: OfficialStatus, b: OfficialStatus): OfficialStatus => (RANK[b] > RANK[a] ? b : a);

/** Statuspage component statuses. */
export function componentStatus(s: unknown): OfficialStatus {
  switch (s) {
    case 'operational':
      return 'operational';
    case 'degraded_performance':
      return 'degraded';
    case 'partial_outage':
      return 'partial_outage';
    case 'major_outage':
      return 'major_outage';
    case 'under_maintenance':
      return 'maintenance';
    default:
      return 'unknown';
  }
}

/** Statuspage's page indicator (none, minor, major, critical; maintenance). */
export function indicatorStatus(s: unknown): OfficialStatus {
  switch (s) {
    case 'none':
      return 'operational';
    case 'minor':
      return 'degraded';
    case 'major':
      return 'partial_outage';
    case 'critical':
      return 'major_outage';
    case 'maintenance':
      return 'maintenance';
    default:
      return 'unknown';
  }
}

/** An incident's impact while it is open; resolved / postmortem / completed means operational again. */
export function incidentUpdateStatus(impact: unknown, updateStatus: unknown): OfficialStatus {
  if (updateStatus === 'resolved' || updateStatus === 'postmortem' || updateStatus === 'completed') return 'operational';
  if (updateStatus === 'scheduled' || updateStatus === 'in_progress' || updateStatus === 'verifying') return 'maintenance';
  return impact === 'none' ? 'degraded' : indicatorStatus(impact);
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);
const timeOf = (s: unknown, fallback: number) => {
  const t = typeof s === 'string' ? Date.parse(s) : NaN;
  return Number.isFinite(t) && t > 0 ? t : fallback;
};
const clip = (s: unknown, n: number) => (typeof s === 'string' ? (s.length > n ? s.slice(0, n) : s) : '');
const safeId = (s: unknown) => (typeof s === 'string' && s.length > 0 && s.length <= 128 ? s : undefined);

function remember(state: PageState, id: string): void {
  state.seen.push(id);
  if (state.seen.length > MAX_SEEN) state.seen.splice(0, state.seen.length - MAX_SEEN);
}

export interface ReadResult {
  events: OfficialStatusEvent[];
  state: PageState;
  /** What was wrong with the document, if anything (the poller dead-letters it). */
  problem?: string;
}

interface Incident {
  id?: unknown;
  name?: unknown;
  impact?: unknown;
  shortlink?: unknown;
  incident_updates?: unknown;
}

function incidentEvents(incidents: unknown, state: PageState, ctx: ReadContext, out: OfficialStatusEvent[]): void {
  if (!Array.isArray(incidents)) return;
  const seen = new Set(state.seen);
  for (const raw of incidents as Incident[]) {
    if (raw === null || typeof raw !== 'object' || !Array.isArray(raw.incident_updates)) continue;
    const updates = [...(raw.incident_updates as Record<string, unknown>[])].filter((u) => u && typeof u === 'object');
    updates.sort((a, b) => timeOf(a.created_at, 0) - timeOf(b.created_at, 0));
    for (const u of updates) {
      const updateId = safeId(u.id);
      if (updateId === undefined || seen.has(updateId)) continue;
      seen.add(updateId);
      remember(state, updateId);
      const incidentId = safeId(raw.id);
      const e: OfficialStatusEvent = {
        id: `${ctx.serviceId}:incident:${hash(`${incidentId ?? ''}/${updateId}`)}`,
        serviceId: ctx.serviceId,
        source: 'statuspage',
        kind: 'incident',
        status: incidentUpdateStatus(raw.impact, u.status),
        providerStatus: clip(u.status, 64) || 'update',
        at: timeOf(u.display_at ?? u.created_at, ctx.now),
        observedAt: ctx.now,
        title: clip(raw.name, 500) || '(untitled incident)',
        url: clip(typeof raw.shortlink === 'string' ? raw.shortlink : ctx.url, 500),
      };
      if (incidentId) e.incidentId = incidentId;
      if (typeof u.status === 'string') e.incidentStatus = clip(u.status, 64);
      if (typeof u.body === 'string' && u.body !== '') e.body = clip(u.body, 5000);
      out.push(e);
    }
  }
}

/** /api/v2/summary.json: component changes, new incident updates, and the service's overall status. */
export function readSummary(doc: unknown, previous: PageState, ctx: ReadContext): ReadResult {
  const state: PageState = structuredClone(previous);
  const events: OfficialStatusEvent[] = [];
  if (doc === null || typeof doc !== 'object') return { events, state, problem: 'summary.json is not a JSON object' };
  const d = doc as { page?: { updated_at?: unknown; url?: unknown }; components?: unknown; incidents?: unknown; status?: { indicator?: unknown } };
  if (!Array.isArray(d.components) || d.status === undefined) return { events, state, problem: 'summary.json has no components or status (not a Statuspage v2 summary)' };
  let overall = indicatorStatus(d.status?.indicator);
  for (const raw of d.components as Record<string, unknown>[]) {
    if (raw === null || typeof raw !== 'object' || raw.group === true) continue;
    const id = safeId(raw.id);
    if (id === undefined) continue;
    const provider = typeof raw.status === 'string' ? raw.status : 'unknown';
    const status = componentStatus(provider);
    overall = worstStatus(overall, status);
    if (state.components[id] === provider) continue;
    const known = state.components[id] !== undefined;
    state.components[id] = provider;
    // The first sight of a page reports components that are not operational; operational ones
    // are the page's normal state, said once by the 'page' event below.
    if (!known && status === 'operational') continue;
    const at = timeOf(raw.updated_at, ctx.now);
    events.push({
      id: `${ctx.serviceId}:component:${hash(`${id}/${provider}/${at}`)}`,
      serviceId: ctx.serviceId,
      source: 'statuspage',
      kind: 'component',
      status,
      providerStatus: clip(provider, 64),
      at,
      observedAt: ctx.now,
      componentId: id,
      componentName: clip(raw.name, 200),
      title: `${clip(raw.name, 200)}: ${clip(provider, 64)}`,
      url: clip(ctx.url, 500),
    });
  }
  incidentEvents(d.incidents, state, ctx, events);
  if (overall !== state.pageStatus) {
    const at = state.pageStatus === null ? timeOf(d.page?.updated_at, ctx.now) : ctx.now;
    events.push({
      id: `${ctx.serviceId}:page:${hash(`${overall}/${at}`)}`,
      serviceId: ctx.serviceId,
      source: 'statuspage',
      kind: 'page',
      status: overall,
      providerStatus: clip(typeof d.status?.indicator === 'string' ? d.status.indicator : 'unknown', 64),
      at,
      observedAt: ctx.now,
      title: `overall: ${overall}`,
      url: clip(ctx.url, 500),
    });
    state.pageStatus = overall;
  }
  return { events, state };
}

/** /api/v2/incidents.json: incident updates not reported yet (resolved incidents included). */
export function readIncidents(doc: unknown, previous: PageState, ctx: ReadContext): ReadResult {
  const state: PageState = structuredClone(previous);
  const events: OfficialStatusEvent[] = [];
  const incidents = (doc as { incidents?: unknown } | null)?.incidents;
  if (!Array.isArray(incidents)) return { events, state, problem: 'incidents.json has no incidents list' };
  incidentEvents(incidents, state, ctx, events);
  return { events, state };
}
