/**
 * `npm run eval`: replays scenarios through the detector core at full speed in event time,
 * compares what it said with the labels and with the oracle (oracle.ts: the expected delay of an
 * optimal sequential test on the true rates), prints the tables and the targets.
 *
 *   npm run eval                         every shipped scenario (eval-runs.ts says at what scale and
 *                                        why), and the scale matrix: the outage scenarios and the
 *                                        quiet week at scales 1, 0.1 and 0.01 against the oracle;
 *                                        writes bench/results/eval.json; and criterion 4 (the band one
 *                                        hour after an outage against the same hour a week before) on
 *                                        drawn families with eight days of history
 *   npm run eval -- --only blip-6min     some scenarios (results file not written unless --write)
 *   npm run eval -- --scales 1,0.1       the scale matrix at these scales only
 *   npm run eval -- --scenario my.json   a scenario file of yours, labels derived from it as for the
 *                                        shipped ones; at its default scale or --scales
 *   npm run eval -- --families 20 --seed 1   20 scenarios drawn from seeds 1..20 (families.ts);
 *                                        writes bench/results/eval-families.json; --history-days 8
 *                                        puts the onset a week later (criterion 4 below)
 *   npm run eval -- --jobs 1             in this process, one after the other
 *   npm run eval -- --strict             exit 1 when a target is not met
 *
 * Each run is a child process (a run is one CPU-bound loop; the fb-2021-10-04 replay at full
 * volume is about 20 M events and 110 s of CPU), which prints its Observed as one JSON line.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../../../schemas/catalog/index';
import { createUnderstanding } from '@downradar/nlp';
import { loadScenario } from '@downradar/replay';
import { writeResult } from '@downradar/common/bench-results';
import { BAND_RATIO_TARGET, bandProbes, bandsAfterOutage, checkTargets, evalMetrics, evaluateScenario, type BandAfterOutage, type EvaluatedRun, type Observed, type ScenarioEvaluation } from './evaluate';
import { EVAL_RUNS, ORACLE_SCALES, runLabel, scaleRuns } from './eval-runs';
import { loadSource, type LoadedSource, type RunSource } from './eval-sources';
import { DELAY_NOTE, formatScenario, formatTargets } from './format-report';
import { memoizeUnderstanding, type SignalSource } from './memo-understanding';
import { compareWithOracle, formatOracleSummary, formatOracleTable, ORACLE_NOTE, ORACLE_RATIO_TARGET, summariseOracle, type OracleComparison, type OracleSummary } from './oracle-report';
import { replayedSpan, runScenario, type RunStats } from './run-scenario';
import { ratePaths } from './service-rates';

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = join(dirname(SELF), '..', '..', '..');

interface RunOutput {
  observed: Observed;
  stats: RunStats;
}

/** One replay: what to replay, at what scale (undefined: the scenario's default), and how to show it. */
interface PlannedRun {
  source: RunSource;
  scale: number | undefined;
  label: string;
  /** The shipped scenario id it stands for in the targets; undefined for files and families. */
  scenarioId: string | undefined;
  /** Printed, counted toward no target of the shipped set (informational runs, the scale matrix). */
  informational: boolean;
  /** Part of the scale matrix only: its scenario table is not printed, only its oracle table. */
  matrixOnly: boolean;
  /** A criterion-4 run (a drawn family with a week of history before its outage): counted toward that target only. */
  bandOnly?: boolean;
  why?: string;
}

const understandings = new Map<Catalog, SignalSource>();
function understandingFor(catalog: Catalog): SignalSource {
  let u = understandings.get(catalog);
  if (u === undefined) {
    u = memoizeUnderstanding(createUnderstanding({ catalog }));
    understandings.set(catalog, u);
  }
  return u;
}

function runInProcess(source: RunSource, scale: number | undefined, loaded: LoadedSource = loadSource(source)): RunOutput {
  // Criterion 4 wherever the replay holds the week before an outage's end + 1 h (evaluate.ts bandProbes).
  const span = replayedSpan(loaded.scenario, {});
  const bandWindows = bandProbes(loaded.labels, span.from, span.to);
  return runScenario(loaded.scenario, {
    catalog: loaded.catalog,
    understanding: understandingFor(loaded.catalog),
    ...(scale !== undefined ? { scale } : {}),
    ...(bandWindows.length > 0 ? { bandWindows } : {}),
  });
}

function runInChild(run: PlannedRun): Promise<RunOutput> {
  return new Promise((resolvePromise, reject) => {
    const spec = JSON.stringify({ source: run.source, scale: run.scale });
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--worker', spec], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`eval run ${run.label} exited with ${code}`));
      try {
        resolvePromise(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunOutput);
      } catch (err) {
        reject(new Error(`eval run ${run.label} printed no result`, { cause: err }));
      }
    });
  });
}

function worker(specJson: string): void {
  const spec = JSON.parse(specJson) as { source: RunSource; scale?: number };
  process.stdout.write(JSON.stringify(runInProcess(spec.source, spec.scale)) + '\n');
}

interface Args {
  only: Set<string> | undefined;
  jobs: number;
  write: boolean | undefined;
  strict: boolean;
  scenario: string | undefined;
  scales: number[] | undefined;
  families: number | undefined;
  seed: number;
  /** Days of history before a family's outage (families.ts; default 2). */
  historyDays: number | undefined;
  verbose: boolean;
}

const USAGE =
  'options: --only ids, --scales 1,0.1,0.01, --scenario file.json, --families n [--seed s] [--history-days d] [--verbose], --jobs n, --write, --no-write, --strict';

export function parseArgs(argv: readonly string[]): Args {
  const a: Args = { only: undefined, jobs: Math.max(1, availableParallelism()), write: undefined, strict: false, scenario: undefined, scales: undefined, families: undefined, seed: 1, historyDays: undefined, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${k} needs a value (${USAGE})`);
      return v;
    };
    const integer = (text: string, min: number) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < min) throw new Error(`${k} must be an integer >= ${min}, got "${text}"`);
      return n;
    };
    if (k === '--only') a.only = new Set(value().split(','));
    else if (k === '--jobs') a.jobs = integer(value(), 1);
    else if (k === '--write') a.write = true;
    else if (k === '--no-write') a.write = false;
    else if (k === '--strict') a.strict = true;
    else if (k === '--scenario') a.scenario = resolve(value());
    else if (k === '--scales') {
      a.scales = value()
        .split(',')
        .map((t) => {
          const x = Number(t);
          if (!(x > 0) || !Number.isFinite(x)) throw new Error(`--scales takes positive numbers, got "${t}"`);
          return x;
        });
    } else if (k === '--families') a.families = integer(value(), 1);
    else if (k === '--seed') a.seed = integer(value(), 0);
    else if (k === '--history-days') a.historyDays = integer(value(), 1);
    else if (k === '--verbose') a.verbose = true;
    else throw new Error(`unknown option ${k} (${USAGE})`);
  }
  if (a.scenario !== undefined && a.families !== undefined) throw new Error('--scenario and --families do not go together');
  if (a.only !== undefined && (a.scenario !== undefined || a.families !== undefined)) throw new Error('--only selects shipped scenarios; it does not go with --scenario or --families');
  return a;
}

/** Criterion-4 runs of the full eval: these seeds, with this many days of history before the outage. */
const BAND_SEEDS = [1, 2, 3, 4, 5, 6];
const BAND_HISTORY_DAYS = 8;

function plan(args: Args): PlannedRun[] {
  if (args.scenario !== undefined) {
    const scenario = loadScenario(args.scenario); // fails early, naming the file and the field
    const scales = args.scales ?? [scenario.defaultScale];
    return scales.map((scale) => ({
      source: { kind: 'file', path: args.scenario! },
      scale,
      label: `${scenario.id}@${scale}`,
      scenarioId: undefined,
      informational: true,
      matrixOnly: false,
    }));
  }
  if (args.families !== undefined) {
    return Array.from({ length: args.families }, (_, i) => ({
      source: { kind: 'family', seed: args.seed + i, ...(args.historyDays !== undefined ? { historyDays: args.historyDays } : {}) },
      scale: undefined,
      label: `family-${args.seed + i}`,
      scenarioId: undefined,
      informational: true,
      matrixOnly: true,
    }));
  }
  const defaultScale = (id: string) => loadScenario(id).defaultScale;
  const main: PlannedRun[] = EVAL_RUNS.map((run) => ({
    source: { kind: 'shipped', scenarioId: run.scenarioId },
    scale: run.scale,
    label: runLabel(run),
    scenarioId: run.scenarioId,
    informational: run.informational === true,
    matrixOnly: false,
    why: run.why,
  }));
  const matrix: PlannedRun[] = scaleRuns(defaultScale, args.scales ?? ORACLE_SCALES).map((run) => ({
    source: { kind: 'shipped', scenarioId: run.scenarioId },
    scale: run.scale,
    label: `${run.scenarioId}@${run.scale}`,
    scenarioId: run.scenarioId,
    informational: true,
    matrixOnly: true,
    why: run.why,
  }));
  // Criterion 4 needs the week before an outage, which no shipped scenario holds: drawn families
  // with eight days of history (the same draws as the families' seeds, the onset a week later).
  const bands: PlannedRun[] = BAND_SEEDS.map((seed) => ({
    source: { kind: 'family', seed, historyDays: BAND_HISTORY_DAYS },
    scale: undefined,
    label: `family-${seed}-week`,
    scenarioId: undefined,
    informational: true,
    matrixOnly: true,
    bandOnly: true,
    why: 'criterion 4: the band one hour after the outage against the same hour one week before',
  }));
  const all = [...main, ...matrix];
  return args.only === undefined ? [...all, ...bands] : all.filter((r) => args.only!.has(r.scenarioId!));
}

interface Done {
  run: PlannedRun;
  out: RunOutput;
  loaded: LoadedSource;
  evaluation: ScenarioEvaluation;
  oracle: OracleComparison[];
}

async function execute(runs: PlannedRun[], jobs: number): Promise<Map<PlannedRun, RunOutput>> {
  const outputs = new Map<PlannedRun, RunOutput>();
  // The costliest first (the full-volume replay), so the others fill the cores around it.
  const cost = (r: PlannedRun) => (r.scale ?? 0.01) * (r.source.kind === 'shipped' && r.source.scenarioId === 'fb-2021-10-04' ? 100 : 1);
  const queue = [...runs].sort((a, b) => cost(b) - cost(a));
  const next = async (): Promise<void> => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      const out = jobs === 1 ? runInProcess(run.source, run.scale) : await runInChild(run);
      outputs.set(run, out);
      process.stderr.write(`eval: ${run.label} done (${(out.stats.cpuMs / 1000).toFixed(1)} s CPU, ${(out.stats.elapsedMs / 1000).toFixed(1)} s wall)\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, runs.length) }, next));
  return outputs;
}

function evaluateRuns(runs: PlannedRun[], outputs: Map<PlannedRun, RunOutput>): Done[] {
  return runs.map((run) => {
    const out = outputs.get(run)!;
    const loaded = loadSource(run.source);
    const evaluation = evaluateScenario(loaded.labels, out.observed);
    const oracle = compareWithOracle(run.label, ratePaths(loaded.scenario, loaded.labels, out.observed.scale), evaluation);
    return { run, out, loaded, evaluation, oracle };
  });
}

function scenarioTable(d: Done): string {
  return formatScenario(d.evaluation, {
    label: d.run.label,
    scale: d.out.observed.scale,
    informational: d.run.informational,
    events: d.out.stats.reports + d.out.stats.posts,
    signals: d.out.stats.signals,
    late: d.out.stats.detector.late,
    cpuMs: d.out.stats.cpuMs,
    ...(d.run.why !== undefined ? { why: d.run.why } : {}),
  });
}

function oracleSection(d: Done): string {
  return `${d.run.label}: ${d.evaluation.falseIncidents.length} false incidents\n${formatOracleTable(d.oracle).replace(/^/gm, '  ')}`;
}

const scaleKey = (scale: number) => String(scale).replace(/[^0-9]+/g, '_');

interface OracleTarget {
  description: string;
  met: boolean;
  detail: string;
}

/** Per scale: every primary within 2x of the oracle, and no false incident in the quiet week. */
function oracleTargets(done: Done[], scales: readonly number[]): { targets: OracleTarget[]; metrics: Record<string, number>; text: string[] } {
  const targets: OracleTarget[] = [];
  const metrics: Record<string, number> = {};
  const text: string[] = [];
  for (const scale of scales) {
    const atScale = done.filter((d) => d.out.observed.scale === scale && d.run.bandOnly !== true);
    if (atScale.length === 0) continue;
    const rows = atScale.flatMap((d) => d.oracle);
    const sum = summariseOracle(rows);
    const key = `oracle_scale_${scaleKey(scale)}`;
    putSummary(metrics, key, sum);
    text.push(formatOracleSummary(`scale ${scale}`, sum));
    if (sum.primaries > 0) {
      const bad = rows.filter((r) => r.role === 'primary' && (r.status === 'slow' || r.status === 'missed'));
      targets.push({
        description: `scale ${scale}: every primary within ${ORACLE_RATIO_TARGET}x of the oracle`,
        met: bad.length === 0,
        detail: bad.length === 0 ? `${sum.within}/${sum.primaries}` : bad.map((r) => `${r.runLabel} ${r.serviceId} ${r.status === 'missed' ? 'missed' : `${r.ratio!.toFixed(1)}x`}`).join(', '),
      });
    }
    const quiet = atScale.find((d) => d.run.scenarioId === 'quiet-week');
    if (quiet !== undefined) {
      const n = quiet.evaluation.falseIncidents.length;
      metrics[`quiet_week_scale_${scaleKey(scale)}_false_incidents`] = n;
      targets.push({ description: `scale ${scale}: 0 false incidents in the quiet week`, met: n === 0, detail: `${n}${n > 0 ? `: ${quiet.evaluation.falseIncidents.map((f) => f.services.join('+')).join(', ')}` : ''}` });
    }
  }
  metrics.oracle_targets_met = targets.filter((t) => t.met).length;
  metrics.oracle_targets_total = targets.length;
  return { targets, metrics, text };
}

/** Criterion 4 over every run that replayed the week before an outage: the table, the target line, the figures. */
function bandTarget(done: Done[]): { text: string; target: OracleTarget; metrics: Record<string, number> } | undefined {
  const rows: (BandAfterOutage & { run: string })[] = done.flatMap((d) => bandsAfterOutage(d.loaded.labels, d.out.observed).map((r) => ({ ...r, run: d.run.label })));
  if (rows.length === 0) return undefined;
  const lines = [
    `Criterion 4: the band one hour after the outage against the same hour one week before (expected reports over 15 min; target <= ${BAND_RATIO_TARGET}x)`,
    ...pad([
      ['  run', 'service', 'from', 'after', 'week before', 'ratio', 'upper after', 'upper before'],
      ...rows.map((r) => [`  ${r.run}`, r.serviceId, new Date(r.at).toISOString().slice(0, 16) + 'Z', r.after.toFixed(2), r.weekBefore.toFixed(2), `${r.ratio.toFixed(2)}x`, r.upperAfter.toFixed(1), r.upperWeekBefore.toFixed(1)]),
    ]),
  ];
  const over = rows.filter((r) => !(r.ratio <= BAND_RATIO_TARGET));
  const max = Math.max(...rows.map((r) => r.ratio));
  return {
    text: lines.join('\n'),
    target: {
      description: `criterion 4: the band 1 h after the outage within ${BAND_RATIO_TARGET}x of the week before`,
      met: over.length === 0,
      detail: over.length === 0 ? `${rows.length}/${rows.length} services, max ${max.toFixed(2)}x` : over.map((r) => `${r.run} ${r.serviceId} ${r.ratio.toFixed(2)}x`).join(', '),
    },
    metrics: { band_after_outage_services: rows.length, band_after_outage_within: rows.length - over.length, band_after_outage_max_ratio: Math.round(max * 100) / 100 },
  };
}

/** Left-aligned columns. */
function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

function putSummary(m: Record<string, number>, key: string, sum: OracleSummary): void {
  m[`${key}_primaries`] = sum.primaries;
  m[`${key}_within_2x`] = sum.within;
  m[`${key}_slow`] = sum.slow;
  m[`${key}_missed`] = sum.missed;
  m[`${key}_beyond_oracle`] = sum.beyondOracle;
  const put = (name: string, x: number | undefined) => {
    if (x !== undefined) m[`${key}_${name}`] = Math.round(x * 100) / 100;
  };
  put('median_ratio', sum.medianRatio);
  put('max_ratio', sum.maxRatio);
  put('pooled_ratio', sum.pooledRatio);
  put('mean_delay_s', sum.meanDelayS);
  put('mean_oracle_delay_s', sum.meanOracleS);
}

function formatOracleTargets(targets: readonly OracleTarget[]): string {
  return ['oracle targets', ...targets.map((t) => `  [${t.met ? 'met' : 'NOT MET'}] ${t.description}: ${t.detail}`)].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') return worker(argv[1]!);
  const args = parseArgs(argv);
  const runs = plan(args);
  if (runs.length === 0) throw new Error(`no scenario matches --only ${[...(args.only ?? [])].join(',')}`);
  const started = performance.now();
  const outputs = await execute(runs, args.jobs);
  const done = evaluateRuns(runs, outputs);
  const cpuMs = [...outputs.values()].reduce((n, o) => n + o.stats.cpuMs, 0);
  const wallS = (performance.now() - started) / 1000;

  if (args.families !== undefined) return reportFamilies(args, done, cpuMs, wallS);
  if (args.scenario !== undefined) {
    const band = bandTarget(done);
    if (band !== undefined) console.log(`${band.text}\n  [${band.target.met ? 'met' : 'NOT MET'}] ${band.target.description}: ${band.target.detail}\n`);
    for (const d of done) console.log(`${scenarioTable(d)}\n\n  against the oracle:\n${formatOracleTable(d.oracle).replace(/^/gm, '  ')}\n  ${formatOracleSummary('summary', summariseOracle(d.oracle))}\n`);
    console.log(`${DELAY_NOTE}\n\n${ORACLE_NOTE}`);
    return;
  }

  const shown = done.filter((d) => !d.run.matrixOnly);
  console.log(shown.map(scenarioTable).join('\n\n'));
  console.log(`\n${DELAY_NOTE}\n`);
  const targetRuns = shown.filter((d) => !d.run.informational);
  const targets = checkTargets(new Map(targetRuns.map((d) => [d.run.scenarioId!, d.evaluation])));
  console.log(formatTargets(targets));

  const scales = args.scales ?? ORACLE_SCALES;
  console.log(`\nAgainst the oracle, scales ${scales.join(', ')}\n${ORACLE_NOTE}`);
  for (const scale of scales) {
    const atScale = done.filter((d) => d.out.observed.scale === scale && (d.oracle.length > 0 || d.run.scenarioId === 'quiet-week'));
    if (atScale.length === 0) continue;
    console.log(`\nscale ${scale}`);
    for (const d of atScale) console.log(d.oracle.length > 0 ? oracleSection(d) : `${d.run.label}: ${d.evaluation.falseIncidents.length} false incidents`);
  }
  const oracle = oracleTargets(done, scales);
  const band = bandTarget(done);
  if (band !== undefined) {
    console.log(`\n${band.text}`);
    oracle.targets.push(band.target);
    Object.assign(oracle.metrics, band.metrics);
  }
  console.log(`\n${oracle.text.join('\n')}\n\n${formatOracleTargets(oracle.targets)}\n`);

  const evaluated: EvaluatedRun[] = done
    .filter((d) => d.run.scenarioId !== undefined)
    .map((d) => ({ scenarioId: d.run.scenarioId!, scale: d.out.observed.scale, informational: d.run.informational, evaluation: d.evaluation }));
  const metrics = { ...evalMetrics(evaluated), ...oracle.metrics };
  metrics.eval_cpu_s = Math.round(cpuMs / 100) / 10;
  metrics.eval_wall_s = Math.round(wallS * 10) / 10;
  const write = args.write ?? args.only === undefined;
  if (write) writeResult('eval', metrics);
  else console.log(`figures (not written: partial run; --write to write them):\n${JSON.stringify(metrics, null, 2)}`);
  if (args.strict && (targets.some((t) => !t.met) || oracle.targets.some((t) => !t.met))) process.exitCode = 1;
}

/** Many drawn scenarios: one line each (the tables with --verbose), then the totals. */
function reportFamilies(args: Args, done: Done[], cpuMs: number, wallS: number): void {
  let falseIncidents = 0;
  let days = 0;
  let missedIncidents = 0;
  for (const d of done) {
    const f = d.loaded.family!;
    const sum = summariseOracle(d.oracle);
    falseIncidents += d.evaluation.falseIncidents.length;
    days += d.evaluation.days;
    missedIncidents += d.evaluation.missedIncidents;
    console.log(
      `seed ${f.seed}: ${f.groupBy} ${f.group}, ${f.primaries.length} primaries, scale ${f.scale}, onset ${f.onset.slice(0, 16)}Z: ` +
        `${sum.within}/${sum.primaries} within ${ORACLE_RATIO_TARGET}x${sum.beyondOracle > 0 ? ` (+${sum.beyondOracle} beyond the oracle)` : ''}, ` +
        `${sum.slow} slower, ${sum.missed} missed, ratio median ${sum.medianRatio?.toFixed(1) ?? '-'}x, ` +
        `${d.evaluation.missedIncidents > 0 ? 'incident MISSED, ' : ''}${d.evaluation.falseIncidents.length} false incidents` +
        d.evaluation.incidents
          .filter((i) => !i.missed)
          .map((i) => `; resolved ${i.resolvedAfterEndS === undefined ? 'never' : `${(i.resolvedAfterEndS / 60).toFixed(0)} min after the end`}, ${i.openings} incident${i.openings === 1 ? '' : 's'}`)
          .join(''),
    );
    if (args.verbose) {
      for (const x of d.evaluation.falseIncidents) {
        const until = x.resolvedAt !== undefined ? ` to ${new Date(x.resolvedAt).toISOString().slice(0, 16)}Z` : ', still open';
        console.log(`    false incident ${x.incidentId}: ${x.services.join(', ')}, ${x.level}, from ${new Date(x.startedAt).toISOString().slice(0, 16)}Z${until}`);
      }
      console.log(`${formatOracleTable(d.oracle).replace(/^/gm, '    ')}\n`);
    }
  }
  const all = summariseOracle(done.flatMap((d) => d.oracle));
  const band = bandTarget(done);
  if (band !== undefined) console.log(`\n${band.text}\n  [${band.target.met ? 'met' : 'NOT MET'}] ${band.target.description}: ${band.target.detail}`);
  console.log(`\n${ORACLE_NOTE}\n`);
  console.log(formatOracleSummary(`${done.length} families, seeds ${args.seed}..${args.seed + done.length - 1}`, all));
  console.log(`incidents missed (no primary warned): ${missedIncidents}/${done.length}; false incidents: ${falseIncidents} over ${days.toFixed(1)} replayed days (${(falseIncidents / Math.max(days, 1e-9)).toFixed(3)} per day)`);
  const metrics: Record<string, number> = { families: done.length, families_first_seed: args.seed, families_missed_incidents: missedIncidents, families_false_incidents: falseIncidents };
  metrics.families_false_incidents_per_day = Math.round((falseIncidents / Math.max(days, 1e-9)) * 1000) / 1000;
  putSummary(metrics, 'families_oracle', all);
  metrics.eval_cpu_s = Math.round(cpuMs / 100) / 10;
  metrics.eval_wall_s = Math.round(wallS * 10) / 10;
  if (args.write ?? true) writeResult('eval-families', metrics);
  if (args.strict && (all.slow > 0 || all.missed > 0 || falseIncidents > 0)) process.exitCode = 1;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === SELF;
if (isMain) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(2);
  });
}

