/**
 * Which replays `npm run eval` makes, and at what scale. A scenario runs at its own default
 * scale unless a reason below says otherwise; the detector's priorScale always follows the scale
 * (a replay at 1/100 of the volume is a world with 1/100 of the reports, baselines included).
 */

export interface EvalRun {
  scenarioId: string;
  /** Omitted: the scenario's defaultScale. */
  scale?: number;
  /** Informational runs are printed but count toward no target and no total. */
  informational?: boolean;
  why: string;
}

export const EVAL_RUNS: readonly EvalRun[] = [
  {
    scenarioId: 'fb-2021-10-04',
    scale: 1,
    why:
      'the real volume (about 14 M Meta reports): the two-minute target is about the real outage. At the default 1/100 ' +
      'Messenger gets under one report in the first minute of the ramp and two in the second, below any count a ' +
      'detector that must stay silent on a quiet week can act on (see the informational run)',
  },
  {
    scenarioId: 'quiet-week',
    why: 'default scale 1: 40 services at their catalog rates for a week',
  },
  { scenarioId: 'viral-hashtag', why: 'default scale 1' },
  { scenarioId: 'cdn-provider', why: 'default scale 1' },
  { scenarioId: 'single-country', why: 'default scale 1' },
  { scenarioId: 'slow-degradation', why: 'default scale 1' },
  { scenarioId: 'blip-6min', why: 'default scale 1' },
  {
    scenarioId: 'fb-2021-10-04',
    scale: 0.01,
    informational: true,
    why: "the scenario's default scale (what `npm run demo` replays): how the same outage looks at 1/100 of its volume",
  },
];

/** The scales at which every outage scenario is compared with the oracle (oracle-report.ts). */
export const ORACLE_SCALES: readonly number[] = [1, 0.1, 0.01];

/** Shipped scenarios that go through the scale matrix: those with labelled incidents, and the quiet week for false incidents. */
export const SCALE_MATRIX_SCENARIOS: readonly string[] = ['fb-2021-10-04', 'cdn-provider', 'single-country', 'slow-degradation', 'blip-6min', 'quiet-week'];

/**
 * The runs the scale matrix adds to EVAL_RUNS: every scenario of SCALE_MATRIX_SCENARIOS at every
 * scale of ORACLE_SCALES that EVAL_RUNS does not already replay (a run's scale is its own, or the
 * scenario's default, given by `defaultScaleOf`). They count toward the oracle comparison and the
 * quiet-week false incidents per scale, not toward the targets above.
 */
export function scaleRuns(defaultScaleOf: (scenarioId: string) => number, scales: readonly number[] = ORACLE_SCALES): EvalRun[] {
  const covered = new Set(EVAL_RUNS.map((r) => `${r.scenarioId}@${r.scale ?? defaultScaleOf(r.scenarioId)}`));
  const out: EvalRun[] = [];
  for (const scenarioId of SCALE_MATRIX_SCENARIOS) {
    for (const scale of scales) {
      if (covered.has(`${scenarioId}@${scale}`)) continue;
      out.push({ scenarioId, scale, informational: true, why: `the oracle comparison at scale ${scale}` });
    }
  }
  return out;
}

/** Label of a run in tables and metric names: "fb-2021-10-04" or "fb-2021-10-04@0.01". */
export function runLabel(run: EvalRun): string {
  return run.informational && run.scale !== undefined ? `${run.scenarioId}@${run.scale}` : run.scenarioId;
}
