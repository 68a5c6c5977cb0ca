/**
 * downradar's delays beside the oracle's (oracle.ts) for every labelled service of a replay, and
 * the summary over many replays. Pure.
 *
 * - The oracle's delay is its expected delay given that it alarms before the service's labelled
 *   end + 15 minutes (the span in which evaluate.ts counts a level), with that probability beside
 *   it. downradar's is the delay to its first warning (the level that opens an incident), one
 *   replay's draw of a random quantity: compare over many seeds (families.ts), not one service.
 * - Ratio = downradar's warning delay / the oracle's mean delay. Target: <= 2 for every primary.
 * - A service the oracle itself detects with probability below 1/2 in that span is "beyond the
 *   oracle": no detector can be asked to catch it reliably; it is listed but counts toward no
 *   target (whatever downradar did there is shown).
 */
import type { ScenarioEvaluation } from './evaluate';
import { oracleDelay, type OracleDelay } from './oracle';
import type { ServiceRatePath } from './service-rates';

/** One false alarm per service per year, in one-minute windows. */
export const ARL0_ONE_YEAR_WINDOWS = 365 * 24 * 60;
export const ORACLE_RATIO_TARGET = 2;
export const ORACLE_MIN_P_DETECT = 0.5;

export type OracleStatus = 'within' | 'slow' | 'missed' | 'beyond-oracle';

export interface OracleComparison {
  runLabel: string;
  scale: number;
  incidentId: string;
  serviceId: string;
  role: 'primary' | 'collateral';
  normalPerMinute: number;
  peakPerMinute: number;
  oracleMeanS: number | undefined;
  oracleMedianS: number | undefined;
  oraclePDetect: number;
  oracleDesignRatio: number;
  warningDelayS: number | undefined;
  dangerDelayS: number | undefined;
  /** warningDelayS / oracleMeanS; undefined when either is missing. */
  ratio: number | undefined;
  status: OracleStatus;
}

export function oracleFor(path: ServiceRatePath, arl0Windows = ARL0_ONE_YEAR_WINDOWS): OracleDelay {
  // A service with no normal traffic at all would make every report an alarm; the floor keeps the
  // design defined (one report a week) without changing any real service.
  return oracleDelay(Math.max(path.normalPerWindow, 1e-4), path.rates, arl0Windows, path.onsetOffset);
}

export function compareWithOracle(runLabel: string, paths: readonly ServiceRatePath[], evaluation: ScenarioEvaluation, arl0Windows = ARL0_ONE_YEAR_WINDOWS): OracleComparison[] {
  return paths.map((path) => {
    const oracle = oracleFor(path, arl0Windows);
    const service = evaluation.incidents.find((i) => i.id === path.incidentId)?.services.find((s) => s.serviceId === path.serviceId);
    const windowS = 60;
    const oracleMeanS = oracle.meanWindows === undefined ? undefined : oracle.meanWindows * windowS;
    const warningDelayS = service?.warning?.delayS;
    const ratio = warningDelayS !== undefined && oracleMeanS !== undefined && oracleMeanS > 0 ? warningDelayS / oracleMeanS : undefined;
    let status: OracleStatus;
    if (oracle.pDetect < ORACLE_MIN_P_DETECT) status = 'beyond-oracle';
    else if (warningDelayS === undefined) status = 'missed';
    else status = ratio! <= ORACLE_RATIO_TARGET ? 'within' : 'slow';
    return {
      runLabel,
      scale: evaluation.scale,
      incidentId: path.incidentId,
      serviceId: path.serviceId,
      role: path.role,
      normalPerMinute: path.normalPerWindow,
      peakPerMinute: path.peakPerWindow,
      oracleMeanS,
      oracleMedianS: oracle.medianWindows === undefined ? undefined : oracle.medianWindows * windowS,
      oraclePDetect: oracle.pDetect,
      oracleDesignRatio: oracle.design.ratio,
      warningDelayS,
      dangerDelayS: service?.danger?.delayS,
      ratio,
      status,
    };
  });
}

export interface OracleSummary {
  /** Primaries the oracle detects with P >= 1/2 (the ones the target is about). */
  primaries: number;
  within: number;
  slow: number;
  missed: number;
  /** Primaries the oracle itself mostly misses (not in the counts above). */
  beyondOracle: number;
  /** Over the target primaries that downradar detected: median and largest ratio. */
  medianRatio: number | undefined;
  maxRatio: number | undefined;
  /** Sum of downradar's warning delays over the sum of the oracle's, same services (detected ones). */
  pooledRatio: number | undefined;
  meanOracleS: number | undefined;
  meanDelayS: number | undefined;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summariseOracle(rows: readonly OracleComparison[]): OracleSummary {
  const primaries = rows.filter((r) => r.role === 'primary');
  const target = primaries.filter((r) => r.status !== 'beyond-oracle');
  const detected = target.filter((r) => r.ratio !== undefined);
  const ratios = detected.map((r) => r.ratio!);
  const sumDelay = detected.reduce((n, r) => n + r.warningDelayS!, 0);
  const sumOracle = detected.reduce((n, r) => n + r.oracleMeanS!, 0);
  return {
    primaries: target.length,
    within: target.filter((r) => r.status === 'within').length,
    slow: target.filter((r) => r.status === 'slow').length,
    missed: target.filter((r) => r.status === 'missed').length,
    beyondOracle: primaries.length - target.length,
    medianRatio: median(ratios),
    maxRatio: ratios.length > 0 ? Math.max(...ratios) : undefined,
    pooledRatio: sumOracle > 0 ? sumDelay / sumOracle : undefined,
    meanOracleS: detected.length > 0 ? sumOracle / detected.length : undefined,
    meanDelayS: detected.length > 0 ? sumDelay / detected.length : undefined,
  };
}

const s = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x)} s`);
const r = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)}x`);
const rate = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));

const STATUS_TEXT: Record<OracleStatus, string> = {
  within: 'ok',
  slow: `SLOW (> ${ORACLE_RATIO_TARGET}x)`,
  missed: 'MISSED',
  'beyond-oracle': 'beyond the oracle',
};

/** A table of one run's services: rates, the oracle, downradar, the ratio. */
export function formatOracleTable(rows: readonly OracleComparison[]): string {
  const head = ['service', 'role', 'normal/min', 'peak/min', 'oracle mean', 'P(oracle)', 'warning', 'danger', 'ratio', ''];
  const body = rows.map((x) => [
    x.serviceId,
    x.role,
    rate(x.normalPerMinute),
    rate(x.peakPerMinute),
    s(x.oracleMeanS),
    x.oraclePDetect.toFixed(2),
    s(x.warningDelayS),
    s(x.dangerDelayS),
    r(x.ratio),
    x.role === 'primary' ? STATUS_TEXT[x.status] : x.status === 'beyond-oracle' ? STATUS_TEXT[x.status] : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export function formatOracleSummary(label: string, sum: OracleSummary): string {
  return (
    `${label}: ${sum.within}/${sum.primaries} primaries within ${ORACLE_RATIO_TARGET}x of the oracle, ${sum.slow} slower, ${sum.missed} missed` +
    `${sum.beyondOracle > 0 ? ` (${sum.beyondOracle} more beyond the oracle)` : ''}; ratio median ${r(sum.medianRatio)}, max ${r(sum.maxRatio)}, pooled ${r(sum.pooledRatio)}` +
    ` (mean delay ${s(sum.meanDelayS)} vs oracle ${s(sum.meanOracleS)})`
  );
}

export const ORACLE_NOTE = [
  `Oracle: Page's CUSUM on the true Poisson rates of what the detector counts (reports and outage posts of the service), threshold for one false`,
  `alarm per service per year (ARL0 = ${ARL0_ONE_YEAR_WINDOWS} one-minute windows), the best design ratio in hindsight per service, from S = 0 at the onset;`,
  `mean delay given an alarm before the labelled end + 15 min, P(oracle) that it alarms at all. downradar: first warning (window end - onset).`,
  `Target: every primary within ${ORACLE_RATIO_TARGET}x; a primary the oracle detects with P < ${ORACLE_MIN_P_DETECT} is beyond the oracle and counts toward no target.`,
].join('\n');
