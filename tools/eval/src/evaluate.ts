/**
 * The evaluation proper: what the detector said (level changes, incident events, trends, from
 * run-scenario.ts) against what the scenario's labels say happened. Pure: no file, no clock.
 *
 * Definitions, chosen so that a figure cannot flatter the detector:
 * - Detection delay of a labelled service = (end of the first window at that level, in its own
 *   score or in an incident event that lists it: its provider's or family's pooled evidence can
 *   flag it first) - (the service's labelled onset): the event time at which the evidence was complete. The
 *   alert delay adds what the live system waits on top (the allowed lateness before a window
 *   closes): emission processing time - onset. Both are reported; a level reached before the
 *   onset gives a negative delay rather than being hidden.
 * - A level counts for a labelled service when it is reached between onset - 30 min and the
 *   service's labelled end + 15 min (a decaying tail still counts as seen).
 * - A labelled incident is missed when none of its primary services reached warning.
 * - Detected incidents are the incident ids of the incident events; an incident that was later
 *   merged into another as collateral (its `resolved` event says "merged into <id>") counts as
 *   that one. A detected incident matches a labelled one when it holds one of its services and its
 *   life overlaps the label's span (± 30 min). One that matches none is a false incident.
 * - Grouping is correct when every labelled service that was detected ended up in one incident.
 *   Collateral is correctly marked when a labelled collateral service carries role 'collateral'
 *   in the incident it ended up in (primaries likewise must be 'primary').
 * - A labelled non-incident (a trend) is right when its hashtag trended within its span and no
 *   incident without a labelled counterpart names its service.
 */
import type { IncidentEvent, Level } from '../../../schemas/events/index';
import type { Labels, LabelledIncident, NonIncident } from '../../../schemas/scenario/index';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** A level reached this long before a labelled onset still belongs to it (slow ramps are seen early). */
export const BEFORE_ONSET_MS = 30 * MINUTE_MS;
/** ... and this long after the labelled end (the tail of a decay). */
export const AFTER_END_MS = 15 * MINUTE_MS;
/** A detected incident matches a label when their spans overlap with this much slack. */
export const MATCH_SLACK_MS = 30 * MINUTE_MS;

/** A service's level changed in this window (only changes are kept: a week of scores is 400,000 events). */
export interface LevelChange {
  serviceId: string;
  windowStart: number;
  windowEnd: number;
  /** Processing time the score was emitted (ScoreEvent.computedAt). */
  emittedAt: number;
  from: Level;
  to: Level;
  count: number;
  expected: number;
}

export interface ObservedTrend {
  hashtag: string;
  serviceId?: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  burst: number;
}

/** The detector's band for one service and window (only the windows run-scenario was asked for). */
export interface BandSample {
  serviceId: string;
  windowStart: number;
  expected: number;
  upper: number;
}

/** What the detector said during one replayed scenario. */
export interface Observed {
  scenarioId: string;
  scale: number;
  /** Event-time span that was replayed. */
  from: number;
  to: number;
  changes: LevelChange[];
  incidents: IncidentEvent[];
  /** Trending hashtags only. */
  trends: ObservedTrend[];
  /** The band at the windows of bandProbes (criterion 4), when asked for. */
  bands?: BandSample[];
}

export type Role = 'primary' | 'collateral';

export interface LevelReached {
  windowStart: number;
  windowEnd: number;
  emittedAt: number;
  /** windowEnd - onset, seconds. */
  delayS: number;
  /** emittedAt - onset, seconds. */
  alertDelayS: number;
}

export interface ServiceResult {
  serviceId: string;
  role: Role;
  onset: number;
  /** First minute in which the incident's reports at least equal the normal ones (labels' visibleFrom). */
  visibleFrom?: number;
  end: number;
  warning?: LevelReached;
  danger?: LevelReached;
  /** The (merged-resolved) incident it ended up in during the label's span, if any. */
  incidentId?: string;
  /** Its role in that incident's last event. */
  observedRole?: Role;
  /** Every incident id it appeared in during the span (after resolving merges). */
  incidentIds: string[];
}

export interface IncidentResult {
  id: string;
  groupBy: LabelledIncident['groupBy'];
  start: number;
  end: number;
  services: ServiceResult[];
  missed: boolean;
  /** Incidents (after merges) the detected services of this label ended up in. */
  incidentIds: string[];
  /** True when every detected labelled service is in one incident; undefined when none was detected. */
  grouped: boolean | undefined;
  /** Labelled collaterals that were seen in an incident, and how many of them carried role 'collateral'. */
  collateralSeen: number;
  collateralMarked: number;
  /**
   * The latest `resolved` of the incidents it ended up in - the labelled end (the rates back to
   * normal), seconds; undefined when one is still open at the end of the replay or none was detected.
   */
  resolvedAfterEndS?: number;
  /** Distinct incidents (after merges) its services appeared in during its span: 1 = no flapping. */
  openings: number;
  /** Labelled primaries seen in an incident, and how many carried role 'primary'. */
  primarySeen: number;
  primaryMarked: number;
  /** Services in the matching incidents that the labels do not name. */
  unlabelledMembers: string[];
  /**
   * The first trending window of a hashtag the catalog maps to one of its primaries (#facebookdown),
   * from BEFORE_ONSET_MS before its first onset to its end: windowEnd - first primary onset, seconds.
   */
  trend?: { hashtag: string; windowStart: number; delayS: number };
}

export interface NonIncidentResult {
  id: string;
  hashtag: string;
  serviceId?: string;
  from: number;
  to: number;
  /** First window in which the hashtag trended, within the span. */
  trendAt?: number;
  /** Incidents without a labelled counterpart that name the service during the span. */
  incidentIds: string[];
  ok: boolean;
}

export interface DetectedIncident {
  id: string;
  startedAt: number;
  openedAt: number;
  lastAt: number;
  resolvedAt?: number;
  mergedInto?: string;
  level: Level;
  /** Service -> role in the incident's last event. */
  members: Map<string, Role>;
}

export interface FalseIncident {
  incidentId: string;
  startedAt: number;
  openedAt: number;
  resolvedAt?: number;
  level: Level;
  services: string[];
}

export interface ScenarioEvaluation {
  scenarioId: string;
  scale: number;
  from: number;
  to: number;
  days: number;
  incidents: IncidentResult[];
  nonIncidents: NonIncidentResult[];
  falseIncidents: FalseIncident[];
  falseIncidentsPerDay: number;
  missedIncidents: number;
  /** Incidents that were merged into another as collateral after being announced. */
  mergedIncidents: number;
}

const LEVEL_RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };
const MERGED = /merged into (\S+) as collateral/;

export function parseUtcMs(iso: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new RangeError(`not a UTC time: ${iso}`);
  return t;
}

/** Incident events grouped by incident id, with merges resolved to their host. */
export function detectedIncidents(events: readonly IncidentEvent[]): Map<string, DetectedIncident> {
  const byId = new Map<string, DetectedIncident>();
  const ordered = [...events].sort((a, b) => a.emittedAt - b.emittedAt || a.at - b.at || (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : a.seq - b.seq));
  for (const e of ordered) {
    let inc = byId.get(e.incidentId);
    if (inc === undefined) {
      inc = { id: e.incidentId, startedAt: e.startedAt, openedAt: e.at, lastAt: e.at, level: 'ok', members: new Map() };
      byId.set(e.incidentId, inc);
    }
    inc.lastAt = Math.max(inc.lastAt, e.at);
    if (LEVEL_RANK[e.level] > LEVEL_RANK[inc.level]) inc.level = e.level;
    for (const s of e.services) {
      inc.members.set(s.serviceId, s.role);
      if (LEVEL_RANK[s.level] > LEVEL_RANK[inc.level] && s.role === 'primary') inc.level = s.level;
    }
    if (e.type === 'resolved') {
      inc.resolvedAt = e.resolvedAt ?? e.at;
      const m = MERGED.exec(e.summary);
      if (m) inc.mergedInto = m[1]!;
    }
  }
  return byId;
}

/** Follows merges to the incident that finally holds it. */
export function hostOf(id: string, incidents: ReadonlyMap<string, DetectedIncident>): string {
  let cur = id;
  for (let i = 0; i < 16; i++) {
    const next = incidents.get(cur)?.mergedInto;
    if (next === undefined || !incidents.has(next)) return cur;
    cur = next;
  }
  return cur;
}

/** End of an incident's life for overlap tests: resolved, else the last event. */
function lifeEnd(inc: DetectedIncident): number {
  return inc.resolvedAt ?? inc.lastAt;
}

function overlaps(aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  return aFrom <= bTo && bFrom <= aTo;
}

function reached(change: LevelChange, onset: number): LevelReached {
  return {
    windowStart: change.windowStart,
    windowEnd: change.windowEnd,
    emittedAt: change.emittedAt,
    delayS: (change.windowEnd - onset) / 1000,
    alertDelayS: (change.emittedAt - onset) / 1000,
  };
}

/**
 * First window at or above `level` between `from` and `to` (window starts). When the service was
 * already there at `from`, the change that took it there counts (a negative delay, not a miss).
 */
export function firstReached(changes: readonly LevelChange[], level: 'warning' | 'danger', from: number, to: number): LevelChange | undefined {
  let enteredBefore: LevelChange | undefined;
  for (const c of changes) {
    const atOrAbove = LEVEL_RANK[c.to] >= LEVEL_RANK[level];
    const wasAbove = LEVEL_RANK[c.from] >= LEVEL_RANK[level];
    if (c.windowStart < from) {
      if (atOrAbove && !wasAbove) enteredBefore = c;
      else if (!atOrAbove) enteredBefore = undefined;
      continue;
    }
    if (enteredBefore !== undefined) return enteredBefore;
    if (c.windowStart > to) return undefined;
    if (atOrAbove) return c;
  }
  return enteredBefore;
}

/**
 * The first incident event that lists a service at this level or above, as a level change (the
 * window that caused the event). An incident can flag a service its own score leaves at ok: the
 * pooled evidence of its provider or family (core/incidents.ts, rule 6).
 */
export function firstIncidentLevel(events: readonly IncidentEvent[], serviceId: string, level: 'warning' | 'danger', from: number, to: number): LevelChange | undefined {
  let best: LevelChange | undefined;
  for (const e of events) {
    const windowStart = e.at - MINUTE_MS;
    if (windowStart < from || windowStart > to || e.type === 'resolved') continue;
    const s = e.services.find((x) => x.serviceId === serviceId);
    if (s === undefined || LEVEL_RANK[s.level] < LEVEL_RANK[level]) continue;
    if (best === undefined || e.at < best.windowEnd || (e.at === best.windowEnd && e.emittedAt < best.emittedAt)) {
      best = { serviceId, windowStart, windowEnd: e.at, emittedAt: e.emittedAt, from: 'ok', to: s.level, count: s.peakCount, expected: 0 };
    }
  }
  return best;
}

function earlier(a: LevelChange | undefined, b: LevelChange | undefined): LevelChange | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.windowEnd < a.windowEnd || (b.windowEnd === a.windowEnd && b.emittedAt < a.emittedAt) ? b : a;
}

function changesByService(changes: readonly LevelChange[]): Map<string, LevelChange[]> {
  const out = new Map<string, LevelChange[]>();
  for (const c of changes) {
    const list = out.get(c.serviceId);
    if (list) list.push(c);
    else out.set(c.serviceId, [c]);
  }
  for (const list of out.values()) list.sort((a, b) => a.windowStart - b.windowStart);
  return out;
}

export function evaluateScenario(labels: Labels, observed: Observed): ScenarioEvaluation {
  const byService = changesByService(observed.changes);
  const detected = detectedIncidents(observed.incidents);
  const hosts = new Map<string, string>();
  for (const id of detected.keys()) hosts.set(id, hostOf(id, detected));
  const matched = new Set<string>();

  const incidents: IncidentResult[] = labels.incidents.map((label) => {
    const start = parseUtcMs(label.start);
    const end = parseUtcMs(label.end);
    const labelled = new Set(label.services.map((s) => s.serviceId));
    // Detected incidents that hold a labelled service and live within the label's span.
    const matching = [...detected.values()].filter(
      (inc) => overlaps(inc.startedAt, lifeEnd(inc), start - MATCH_SLACK_MS, end + MATCH_SLACK_MS) && [...inc.members.keys()].some((s) => labelled.has(s)),
    );
    for (const inc of matching) {
      matched.add(inc.id);
      matched.add(hosts.get(inc.id)!);
    }
    const services: ServiceResult[] = label.services.map((ls) => {
      const onset = parseUtcMs(ls.onset);
      const sEnd = parseUtcMs(ls.end);
      const list = byService.get(ls.serviceId) ?? [];
      const w = earlier(
        firstReached(list, 'warning', onset - BEFORE_ONSET_MS, sEnd + AFTER_END_MS),
        firstIncidentLevel(observed.incidents, ls.serviceId, 'warning', onset - BEFORE_ONSET_MS, sEnd + AFTER_END_MS),
      );
      const d = earlier(
        firstReached(list, 'danger', onset - BEFORE_ONSET_MS, sEnd + AFTER_END_MS),
        firstIncidentLevel(observed.incidents, ls.serviceId, 'danger', onset - BEFORE_ONSET_MS, sEnd + AFTER_END_MS),
      );
      const r: ServiceResult = { serviceId: ls.serviceId, role: ls.role, onset, end: sEnd, incidentIds: [] };
      if (ls.visibleFrom !== undefined) r.visibleFrom = parseUtcMs(ls.visibleFrom);
      if (w) r.warning = reached(w, onset);
      if (d) r.danger = reached(d, onset);
      // The incidents it appeared in; the one it ended up in is the host of the latest.
      const holding = matching.filter((inc) => inc.members.has(ls.serviceId)).sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : 1));
      r.incidentIds = [...new Set(holding.map((inc) => hosts.get(inc.id)!))];
      const last = holding.at(-1);
      if (last !== undefined) {
        const host = detected.get(hosts.get(last.id)!)!;
        r.incidentId = host.id;
        r.observedRole = host.members.get(ls.serviceId) ?? last.members.get(ls.serviceId)!;
      }
      return r;
    });
    const primaries = services.filter((s) => s.role === 'primary');
    const seen = services.filter((s) => s.incidentId !== undefined);
    const incidentIds = [...new Set(seen.map((s) => s.incidentId!))].sort();
    const unlabelled = new Set<string>();
    for (const id of incidentIds) for (const m of detected.get(id)!.members.keys()) if (!labelled.has(m)) unlabelled.add(m);
    const collaterals = seen.filter((s) => s.role === 'collateral');
    const prim = seen.filter((s) => s.role === 'primary');
    const firstOnset = Math.min(...primaries.map((s) => s.onset));
    const primaryIds = new Set(primaries.map((s) => s.serviceId));
    const trend = observed.trends
      .filter((t) => t.serviceId !== undefined && primaryIds.has(t.serviceId) && t.windowStart >= firstOnset - BEFORE_ONSET_MS && t.windowStart <= end)
      .sort((a, b) => a.windowStart - b.windowStart || (a.hashtag < b.hashtag ? -1 : 1))[0];
    const result: IncidentResult = {
      id: label.id,
      groupBy: label.groupBy,
      start,
      end,
      services,
      missed: primaries.every((s) => s.warning === undefined),
      incidentIds,
      grouped: seen.length === 0 ? undefined : incidentIds.length === 1,
      collateralSeen: collaterals.length,
      collateralMarked: collaterals.filter((s) => s.observedRole === 'collateral').length,
      primarySeen: prim.length,
      primaryMarked: prim.filter((s) => s.observedRole === 'primary').length,
      unlabelledMembers: [...unlabelled].sort(),
      openings: new Set(services.flatMap((s) => s.incidentIds)).size,
    };
    const resolved = incidentIds.map((id) => detected.get(id)!.resolvedAt);
    if (resolved.length > 0 && resolved.every((t) => t !== undefined)) result.resolvedAfterEndS = (Math.max(...(resolved as number[])) - end) / 1000;
    if (trend !== undefined) result.trend = { hashtag: trend.hashtag, windowStart: trend.windowStart, delayS: (trend.windowEnd - firstOnset) / 1000 };
    return result;
  });

  const falseIncidents: FalseIncident[] = [];
  for (const inc of detected.values()) {
    if (matched.has(inc.id) || matched.has(hosts.get(inc.id)!)) continue;
    const f: FalseIncident = { incidentId: inc.id, startedAt: inc.startedAt, openedAt: inc.openedAt, level: inc.level, services: [...inc.members.keys()].sort() };
    if (inc.resolvedAt !== undefined) f.resolvedAt = inc.resolvedAt;
    falseIncidents.push(f);
  }
  falseIncidents.sort((a, b) => a.startedAt - b.startedAt || (a.incidentId < b.incidentId ? -1 : 1));

  const nonIncidents = labels.nonIncidents.map((n: NonIncident): NonIncidentResult => {
    const from = parseUtcMs(n.from);
    const to = parseUtcMs(n.to);
    const tag = n.hashtag.toLowerCase();
    const trend = observed.trends.filter((t) => t.hashtag === tag && t.windowStart >= from && t.windowStart < to).sort((a, b) => a.windowStart - b.windowStart)[0];
    const incidentIds =
      n.serviceId === undefined
        ? []
        : falseIncidents.filter((f) => f.services.includes(n.serviceId!) && overlaps(f.startedAt, f.resolvedAt ?? observed.to, from, to)).map((f) => f.incidentId);
    const r: NonIncidentResult = { id: n.id, hashtag: tag, from, to, incidentIds, ok: trend !== undefined && incidentIds.length === 0 };
    if (n.serviceId !== undefined) r.serviceId = n.serviceId;
    if (trend !== undefined) r.trendAt = trend.windowStart;
    return r;
  });

  const days = Math.max(observed.to - observed.from, 0) / DAY_MS;
  return {
    scenarioId: observed.scenarioId,
    scale: observed.scale,
    from: observed.from,
    to: observed.to,
    days,
    incidents,
    nonIncidents,
    falseIncidents,
    falseIncidentsPerDay: days > 0 ? falseIncidents.length / days : 0,
    missedIncidents: incidents.filter((i) => i.missed).length,
    mergedIncidents: [...detected.values()].filter((i) => i.mergedInto !== undefined).length,
  };
}

// ---------------------------------------------------------------------------------------------
// Targets (issue 5, item 8) and the figures of bench/results/eval.json

export const META_SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger'] as const;
export const FB_SCENARIO = 'fb-2021-10-04';
export const META_INCIDENT = 'meta-2021-10-04';
/** Meta's four services reach danger within this of their labelled onset. */
export const META_DANGER_TARGET_S = 120;

export interface TargetCheck {
  id: string;
  scenarioId: string;
  description: string;
  met: boolean;
  detail: string;
}

const fmtDelay = (r: LevelReached | undefined) => (r === undefined ? 'never' : `${r.delayS} s`);

function servicesOf(e: ScenarioEvaluation, incidentId: string, ids: readonly string[]): ServiceResult[] {
  const inc = e.incidents.find((i) => i.id === incidentId);
  return ids.map((id) => inc?.services.find((s) => s.serviceId === id)).filter((s): s is ServiceResult => s !== undefined);
}

/** One incident holds them all (and none of them was ever in another). */
function inOneIncident(services: readonly ServiceResult[]): { ok: boolean; ids: string[] } {
  const ids = [...new Set(services.flatMap((s) => (s.incidentIds.length > 0 ? s.incidentIds : ['(none)'])))].sort();
  return { ok: services.length > 0 && ids.length === 1 && ids[0] !== '(none)', ids };
}

function detectedCheck(e: ScenarioEvaluation | undefined, scenarioId: string, description: string): TargetCheck[] {
  if (e === undefined) return [];
  const missed = e.incidents.filter((i) => i.missed).map((i) => i.id);
  const delays = e.incidents.map((i) => {
    const first = i.services.filter((s) => s.role === 'primary' && s.warning).sort((a, b) => a.warning!.delayS - b.warning!.delayS)[0];
    return `${i.id}: ${first ? `warning at +${first.warning!.delayS} s (${first.serviceId})` : 'missed'}`;
  });
  return [{ id: `${scenarioId}-detected`, scenarioId, description, met: e.incidents.length > 0 && missed.length === 0, detail: delays.join('; ') }];
}

/** The targets, for the scenarios that were evaluated (keyed by scenario id). */
export function checkTargets(evals: ReadonlyMap<string, ScenarioEvaluation>): TargetCheck[] {
  const out: TargetCheck[] = [];
  const fb = evals.get(FB_SCENARIO);
  if (fb !== undefined) {
    const meta = servicesOf(fb, META_INCIDENT, META_SERVICES);
    const slow = meta.filter((s) => s.danger === undefined || s.danger.delayS > META_DANGER_TARGET_S);
    out.push({
      id: 'fb-meta-danger-120s',
      scenarioId: FB_SCENARIO,
      description: `${META_SERVICES.join(', ')} reach danger within ${META_DANGER_TARGET_S} s of onset`,
      met: meta.length === META_SERVICES.length && slow.length === 0,
      detail: meta.map((s) => `${s.serviceId} ${fmtDelay(s.danger)}${s.danger ? ` (alert +${s.danger.alertDelayS} s)` : ''}`).join(', '),
    });
    const one = inOneIncident(meta);
    out.push({
      id: 'fb-meta-one-incident',
      scenarioId: FB_SCENARIO,
      description: `${META_SERVICES.join(', ')} form one incident`,
      met: meta.length === META_SERVICES.length && one.ok,
      detail: one.ids.join(', '),
    });
  }
  const quiet = evals.get('quiet-week');
  if (quiet !== undefined) {
    out.push({
      id: 'quiet-week-no-false-incident',
      scenarioId: 'quiet-week',
      description: '0 false incidents in a quiet week',
      met: quiet.falseIncidents.length === 0,
      detail: `${quiet.falseIncidents.length} false incidents${quiet.falseIncidents.length ? `: ${quiet.falseIncidents.map((f) => f.incidentId).join(', ')}` : ''}`,
    });
  }
  out.push(...detectedCheck(evals.get('blip-6min'), 'blip-6min', 'the 6-minute blip is detected'));
  const viral = evals.get('viral-hashtag');
  if (viral !== undefined) {
    const trends = viral.nonIncidents;
    out.push({
      id: 'viral-hashtag-trend-no-incident',
      scenarioId: 'viral-hashtag',
      description: 'the viral non-outage gives a trend and no incident',
      met: trends.length > 0 && trends.every((t) => t.trendAt !== undefined) && viral.falseIncidents.length === 0,
      detail: `${trends.map((t) => `#${t.hashtag} ${t.trendAt !== undefined ? 'trended' : 'did not trend'}`).join(', ')}; ${viral.falseIncidents.length} incidents`,
    });
  }
  const cdn = evals.get('cdn-provider');
  if (cdn !== undefined) {
    const results = cdn.incidents.map((i) => ({ i, one: inOneIncident(i.services.filter((s) => s.role === 'primary')) }));
    out.push({
      id: 'cdn-provider-one-incident',
      scenarioId: 'cdn-provider',
      description: "the provider's services form one incident",
      met: results.length > 0 && results.every((r) => r.one.ok && r.i.services.filter((s) => s.role === 'primary').every((s) => s.incidentId !== undefined)),
      detail: results.map((r) => `${r.i.id}: ${r.one.ids.join(', ')} (${r.i.primarySeen}/${r.i.services.filter((s) => s.role === 'primary').length} primaries seen)`).join('; '),
    });
  }
  out.push(...detectedCheck(evals.get('single-country'), 'single-country', 'the single-country outage is detected'));
  out.push(...detectedCheck(evals.get('slow-degradation'), 'slow-degradation', 'the slow degradation is detected'));
  return out;
}

/** Metric name part for a run: "fb_2021_10_04", "fb_2021_10_04_scale_0_01". */
export function metricPrefix(scenarioId: string, scale?: number): string {
  const base = scenarioId.replace(/[^a-z0-9]+/g, '_');
  return scale === undefined ? base : `${base}_scale_${String(scale).replace(/[^0-9]+/g, '_')}`;
}

/**
 * A delay for the results file: the delay when reached, else the time from onset to the end of
 * the replay (a lower bound, never a flattering number), with a `_reached` flag beside it.
 */
function delayOrCensored(r: LevelReached | undefined, onset: number, replayEnd: number): number {
  return r !== undefined ? r.delayS : Math.max(0, (replayEnd - onset) / 1000);
}

export interface EvaluatedRun {
  scenarioId: string;
  scale: number;
  informational: boolean;
  evaluation: ScenarioEvaluation;
}

/** The figures of bench/results/eval.json: snake_case with the unit. */
export function evalMetrics(runs: readonly EvaluatedRun[]): Record<string, number> {
  const m: Record<string, number> = {};
  const main = runs.filter((r) => !r.informational);
  const byId = new Map(main.map((r) => [r.scenarioId, r.evaluation]));

  const metaFigures = (e: ScenarioEvaluation, prefix: string) => {
    const meta = servicesOf(e, META_INCIDENT, META_SERVICES);
    if (meta.length === 0) return;
    m[`${prefix}_danger_delay_s`] = Math.max(...meta.map((s) => delayOrCensored(s.danger, s.onset, e.to)));
    m[`${prefix}_danger_alert_delay_s`] = Math.max(...meta.map((s) => (s.danger ? s.danger.alertDelayS : delayOrCensored(undefined, s.onset, e.to))));
    m[`${prefix}_warning_delay_s`] = Math.max(...meta.map((s) => delayOrCensored(s.warning, s.onset, e.to)));
    m[`${prefix}_danger_reached`] = meta.every((s) => s.danger !== undefined) ? 1 : 0;
    m[`${prefix}_incidents`] = inOneIncident(meta).ids.filter((id) => id !== '(none)').length;
    const trend = e.incidents.find((i) => i.id === META_INCIDENT)?.trend;
    m[`${prefix}_trend_delay_s`] = trend === undefined ? Math.round((e.to - Math.min(...meta.map((s) => s.onset))) / 1000) : trend.delayS;
  };
  const fb = byId.get(FB_SCENARIO);
  if (fb !== undefined) {
    metaFigures(fb, 'fb_meta');
    const inc = fb.incidents.find((i) => i.id === META_INCIDENT);
    if (inc) {
      m.fb_collateral_seen = inc.collateralSeen;
      m.fb_collateral_marked = inc.collateralMarked;
      m.fb_collateral_labelled = inc.services.filter((s) => s.role === 'collateral').length;
    }
  }
  for (const r of runs.filter((x) => x.informational && x.scenarioId === FB_SCENARIO)) metaFigures(r.evaluation, `${metricPrefix(r.scenarioId, r.scale)}_meta`);

  const quiet = byId.get('quiet-week');
  if (quiet !== undefined) m.quiet_week_false_incidents = quiet.falseIncidents.length;
  m.missed_incidents = main.reduce((n, r) => n + r.evaluation.missedIncidents, 0);
  m.false_incidents_total = main.reduce((n, r) => n + r.evaluation.falseIncidents.length, 0);
  const days = main.reduce((n, r) => n + r.evaluation.days, 0);
  m.false_incidents_per_day = days > 0 ? Math.round((m.false_incidents_total / days) * 1000) / 1000 : 0;
  m.replayed_days = Math.round(days * 100) / 100;
  m.labelled_incidents = main.reduce((n, r) => n + r.evaluation.incidents.length, 0);
  const all = main.flatMap((r) => r.evaluation.incidents);
  m.grouping_correct_incidents = all.filter((i) => i.grouped === true).length;
  m.collateral_seen = all.reduce((n, i) => n + i.collateralSeen, 0);
  m.collateral_marked = all.reduce((n, i) => n + i.collateralMarked, 0);
  m.merged_incidents = main.reduce((n, r) => n + r.evaluation.mergedIncidents, 0);

  // First warning / danger of each scenario's earliest primary, per labelled incident (one each here).
  for (const r of main) {
    if (r.scenarioId === FB_SCENARIO || r.scenarioId === 'quiet-week') continue;
    const p = metricPrefix(r.scenarioId);
    for (const inc of r.evaluation.incidents) {
      const prim = inc.services.filter((s) => s.role === 'primary');
      const first = (pick: (s: ServiceResult) => LevelReached | undefined) =>
        Math.min(...prim.map((s) => delayOrCensored(pick(s), s.onset, r.evaluation.to)));
      m[`${p}_warning_delay_s`] = first((s) => s.warning);
      m[`${p}_danger_delay_s`] = first((s) => s.danger);
      m[`${p}_detected`] = inc.missed ? 0 : 1;
      if (inc.trend !== undefined) m[`${p}_trend_delay_s`] = inc.trend.delayS;
    }
    if (r.evaluation.nonIncidents.length > 0) m[`${p}_trend_detected`] = r.evaluation.nonIncidents.every((t) => t.trendAt !== undefined) ? 1 : 0;
    m[`${p}_false_incidents`] = r.evaluation.falseIncidents.length;
  }
  const cdn = byId.get('cdn-provider');
  if (cdn !== undefined) {
    const prim = cdn.incidents.flatMap((i) => i.services.filter((s) => s.role === 'primary'));
    m.cdn_provider_incidents = inOneIncident(prim).ids.filter((id) => id !== '(none)').length;
  }
  const targets = checkTargets(byId);
  m.targets_met = targets.filter((t) => t.met).length;
  m.targets_total = targets.length;
  return m;
}

// ---------------------------------------------------------------------------------------------
// Criterion 4: a baseline that does not learn from outages

/** The band is compared one hour after a labelled service's end ... */
export const BAND_AFTER_END_MS = 60 * MINUTE_MS;
/** ... over this many minutes (the dashboard's 15-minute bucket), with the same minutes one week before. */
export const BAND_SPAN_MS = 15 * MINUTE_MS;
export const WEEK_MS = 7 * DAY_MS;
/** Target: the band after the outage within this factor of the band the week before. */
export const BAND_RATIO_TARGET = 1.5;

/**
 * The windows whose band criterion 4 compares: per labelled primary, the 15 minutes starting one
 * hour after its end and the same minutes one week earlier; only where both lie in [from, to).
 */
export function bandProbes(labels: Labels, from: number, to: number, windowMs = MINUTE_MS): { serviceId: string; windowStart: number }[] {
  const out: { serviceId: string; windowStart: number }[] = [];
  for (const inc of labels.incidents) {
    for (const s of inc.services) {
      if (s.role !== 'primary') continue;
      const after = Math.ceil((parseUtcMs(s.end) + BAND_AFTER_END_MS) / windowMs) * windowMs;
      if (after - WEEK_MS < from || after + BAND_SPAN_MS > to) continue;
      for (let t = after; t < after + BAND_SPAN_MS; t += windowMs) out.push({ serviceId: s.serviceId, windowStart: t }, { serviceId: s.serviceId, windowStart: t - WEEK_MS });
    }
  }
  return out;
}

export interface BandAfterOutage {
  serviceId: string;
  /** First window of the 15 minutes one hour after the end. */
  at: number;
  /** Expected reports over those 15 minutes, and over the same 15 minutes one week before. */
  after: number;
  weekBefore: number;
  /** Upper band summed likewise. */
  upperAfter: number;
  upperWeekBefore: number;
  /** after / weekBefore. */
  ratio: number;
}

/** Criterion 4 for one run: per labelled primary with both spans replayed, the band after vs the week before. */
export function bandsAfterOutage(labels: Labels, observed: Observed, windowMs = MINUTE_MS): BandAfterOutage[] {
  if (observed.bands === undefined) return [];
  const at = new Map<string, BandSample>();
  for (const b of observed.bands) at.set(`${b.serviceId}@${b.windowStart}`, b);
  const out: BandAfterOutage[] = [];
  const probes = bandProbes(labels, observed.from, observed.to, windowMs);
  const services = [...new Set(probes.map((p) => p.serviceId))];
  for (const serviceId of services) {
    const mine = probes.filter((p) => p.serviceId === serviceId).map((p) => p.windowStart);
    const first = Math.max(...mine) - BAND_SPAN_MS + windowMs;
    let after = 0;
    let before = 0;
    let upperAfter = 0;
    let upperBefore = 0;
    let complete = true;
    for (let t = first; t < first + BAND_SPAN_MS; t += windowMs) {
      const a = at.get(`${serviceId}@${t}`);
      const b = at.get(`${serviceId}@${t - WEEK_MS}`);
      if (a === undefined || b === undefined) {
        complete = false;
        break;
      }
      after += a.expected;
      before += b.expected;
      upperAfter += a.upper;
      upperBefore += b.upper;
    }
    if (!complete) continue;
    out.push({ serviceId, at: first, after, weekBefore: before, upperAfter, upperWeekBefore: upperBefore, ratio: before > 0 ? after / before : Infinity });
  }
  return out;
}
