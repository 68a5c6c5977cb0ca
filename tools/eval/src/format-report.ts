/**
 * Plain-text tables of an evaluation, for the terminal and for notes. Pure: every decision is
 * here, the CLI only prints.
 */
import type { LevelReached, ScenarioEvaluation, ServiceResult, TargetCheck } from './evaluate';

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

export function formatDelay(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(seconds);
  if (a < 600) return `${sign}${Math.round(a)} s`;
  if (a < 6 * 3600) return `${sign}${Math.round(a / 60)} min`;
  return `${sign}${(a / 3600).toFixed(1)} h`;
}

const reachedText = (r: LevelReached | undefined) => (r === undefined ? '-' : formatDelay(r.delayS));

function pad(cells: string[][]): string[] {
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells.map((row) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function roleText(s: ServiceResult): string {
  if (s.observedRole === undefined) return s.warning === undefined ? 'not flagged' : 'flagged, in no incident';
  return s.observedRole === s.role ? `${s.observedRole} ok` : `${s.observedRole} WRONG`;
}

export interface RunHeading {
  label: string;
  scale: number;
  informational: boolean;
  events?: number;
  signals?: number;
  /** Signals that reached the detector after their window had closed (to the DLQ, as live). */
  late?: number;
  cpuMs?: number;
  why?: string;
}

/** The table of one scenario: per labelled service the delays, the incident and the role seen. */
export function formatScenario(e: ScenarioEvaluation, h: RunHeading): string {
  const lines: string[] = [];
  const hours = (e.to - e.from) / 3_600_000;
  const facts = [`scale ${h.scale}`, `${hours.toFixed(1)} h replayed`];
  if (h.events !== undefined) facts.push(`${(h.events / 1e6).toFixed(2)} M events`);
  if (h.late !== undefined && h.signals !== undefined && h.signals > 0) facts.push(`${h.late} late signals to the DLQ (${((100 * h.late) / h.signals).toFixed(2)} %)`);
  if (h.cpuMs !== undefined) facts.push(`${(h.cpuMs / 1000).toFixed(1)} s CPU`);
  lines.push(`${h.label}${h.informational ? ' (informational)' : ''}: ${facts.join(', ')}`);
  if (h.why) lines.push(`  why this scale: ${h.why}`);
  for (const inc of e.incidents) {
    const grouping = inc.grouped === undefined ? 'n/a' : inc.grouped ? `ok (${inc.incidentIds[0]})` : `SPLIT over ${inc.incidentIds.join(', ')}`;
    const collateral = inc.services.some((s) => s.role === 'collateral')
      ? `; collateral marked ${inc.collateralMarked}/${inc.collateralSeen} seen (${inc.services.filter((s) => s.role === 'collateral').length} labelled)`
      : '';
    const resolved = inc.missed ? '' : `; resolved ${inc.resolvedAfterEndS === undefined ? 'never (still open)' : `${formatDelay(inc.resolvedAfterEndS)} after its end`}, ${inc.openings} incident${inc.openings === 1 ? '' : 's'} opened`;
    lines.push(`  incident ${inc.id} (${inc.groupBy}): ${inc.missed ? 'MISSED' : 'detected'}; grouping ${grouping}${collateral}${resolved}`);
    const rows = [['    service', 'role', 'onset', 'visible', 'warning', 'danger', 'danger alert', 'incident', 'role seen']];
    for (const s of inc.services) {
      rows.push([
        `    ${s.serviceId}`,
        s.role,
        hhmm(s.onset),
        s.visibleFrom !== undefined ? hhmm(s.visibleFrom) : '-',
        reachedText(s.warning),
        reachedText(s.danger),
        s.danger ? formatDelay(s.danger.alertDelayS) : '-',
        s.incidentIds.length === 0 ? '-' : s.incidentIds.join(' + '),
        roleText(s),
      ]);
    }
    lines.push(...pad(rows));
    if (inc.unlabelledMembers.length > 0) lines.push(`    also in the incident (not labelled): ${inc.unlabelledMembers.join(', ')}`);
    lines.push(`    first trending hashtag of a primary: ${inc.trend === undefined ? 'none' : `#${inc.trend.hashtag} from ${hhmm(inc.trend.windowStart)} (${formatDelay(inc.trend.delayS)} after the first onset)`}`);
  }
  for (const n of e.nonIncidents) {
    const trend = n.trendAt !== undefined ? `trended from ${hhmm(n.trendAt)}` : 'DID NOT TREND';
    const inc = n.incidentIds.length === 0 ? 'no incident of its own' : `INCIDENT ${n.incidentIds.join(', ')}`;
    lines.push(`  trend #${n.hashtag}${n.serviceId ? ` (${n.serviceId})` : ''}: ${trend}, ${inc}: ${n.ok ? 'ok' : 'WRONG'}`);
  }
  lines.push(`  false incidents: ${e.falseIncidents.length} (${e.falseIncidentsPerDay.toFixed(2)} per day over ${e.days.toFixed(2)} days)`);
  for (const f of e.falseIncidents) {
    const until = f.resolvedAt !== undefined ? ` to ${new Date(f.resolvedAt).toISOString().slice(0, 16)}Z` : ', still open';
    lines.push(`    ${f.incidentId}: ${f.services.join(', ')}, ${f.level}, from ${new Date(f.startedAt).toISOString().slice(0, 16)}Z${until}`);
  }
  if (e.mergedIncidents > 0) lines.push(`  incidents announced and later merged into another as collateral: ${e.mergedIncidents}`);
  return lines.join('\n');
}

export function formatTargets(targets: readonly TargetCheck[]): string {
  const lines = ['targets'];
  for (const t of targets) lines.push(`  [${t.met ? 'met' : 'NOT MET'}] ${t.scenarioId}: ${t.description}: ${t.detail}`);
  return lines.join('\n');
}

export const DELAY_NOTE =
  'delays: from the labelled onset to the END of the first window at that level (when the evidence was complete, event time); ' +
  '"danger alert" is when the replayed detector emitted it (processing time: the window end plus the 15 s allowed lateness and the 1 s tick).';
