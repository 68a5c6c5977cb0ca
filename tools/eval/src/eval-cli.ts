/**
 * `npm run eval`: replays every shipped scenario through the detector core at full speed in event
 * time (eval-runs.ts says at what scale and why), compares with the labels, prints a table per
 * scenario and the targets, and writes bench/results/eval.json.
 *
 *   npm run eval                         all runs, in parallel over the available cores
 *   npm run eval -- --only blip-6min     some scenarios (results file not written unless --write)
 *   npm run eval -- --jobs 1             in this process, one after the other
 *   npm run eval -- --strict             exit 1 when a target is not met
 *
 * Each run is a child process (a run is one CPU-bound loop; the fb-2021-10-04 replay at full
 * volume is about 20 M events and 110 s of CPU), which prints its Observed as one JSON line.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../../schemas/catalog/index';
import { createUnderstanding } from '@downradar/nlp';
import { loadLabels, loadScenario } from '@downradar/replay';
import { writeResult } from '@downradar/common/bench-results';
import { checkTargets, evalMetrics, evaluateScenario, type EvaluatedRun, type Observed, type ScenarioEvaluation } from './evaluate';
import { EVAL_RUNS, runLabel, type EvalRun } from './eval-runs';
import { DELAY_NOTE, formatScenario, formatTargets } from './format-report';
import { memoizeUnderstanding } from './memo-understanding';
import { runScenario, type RunStats } from './run-scenario';

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = join(dirname(SELF), '..', '..', '..');

interface RunOutput {
  observed: Observed;
  stats: RunStats;
}

function runInProcess(run: EvalRun, understanding: ReturnType<typeof memoizeUnderstanding>): RunOutput {
  const catalog = loadCatalog();
  const scenario = loadScenario(run.scenarioId);
  return runScenario(scenario, { catalog, understanding, ...(run.scale !== undefined ? { scale: run.scale } : {}) });
}

function runInChild(index: number): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--worker', String(index)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`eval run ${runLabel(EVAL_RUNS[index]!)} exited with ${code}`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunOutput);
      } catch (err) {
        reject(new Error(`eval run ${runLabel(EVAL_RUNS[index]!)} printed no result`, { cause: err }));
      }
    });
  });
}

function worker(index: number): void {
  const run = EVAL_RUNS[index];
  if (run === undefined) throw new Error(`no eval run #${index}`);
  const out = runInProcess(run, memoizeUnderstanding(createUnderstanding({ catalog: loadCatalog() })));
  process.stdout.write(JSON.stringify(out) + '\n');
}

interface Args {
  only: Set<string> | undefined;
  jobs: number;
  write: boolean | undefined;
  strict: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: undefined, jobs: Math.max(1, availableParallelism()), write: undefined, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === '--only') a.only = new Set(value().split(','));
    else if (k === '--jobs') a.jobs = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (k === '--write') a.write = true;
    else if (k === '--no-write') a.write = false;
    else if (k === '--strict') a.strict = true;
    else throw new Error(`unknown option ${k} (--only ids, --jobs n, --write, --no-write, --strict)`);
  }
  return a;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') return worker(Number(argv[1]));
  const args = parseArgs(argv);
  const selected = EVAL_RUNS.map((run, index) => ({ run, index })).filter(({ run }) => args.only === undefined || args.only.has(run.scenarioId));
  if (selected.length === 0) throw new Error(`no scenario matches --only ${[...(args.only ?? [])].join(',')}`);
  const started = performance.now();
  const outputs = new Map<number, RunOutput>();
  let shared: ReturnType<typeof memoizeUnderstanding> | undefined;
  const queue = [...selected]; // EVAL_RUNS lists the costliest first
  const next = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      let out: RunOutput;
      if (args.jobs === 1) {
        shared ??= memoizeUnderstanding(createUnderstanding({ catalog: loadCatalog() }));
        out = runInProcess(item.run, shared);
      } else {
        out = await runInChild(item.index);
      }
      outputs.set(item.index, out);
      process.stderr.write(`eval: ${runLabel(item.run)} done (${(out.stats.cpuMs / 1000).toFixed(1)} s CPU, ${(out.stats.elapsedMs / 1000).toFixed(1)} s wall)\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, selected.length) }, next));

  const runs: EvaluatedRun[] = [];
  const tables: string[] = [];
  for (const { run, index } of selected) {
    const out = outputs.get(index)!;
    const evaluation: ScenarioEvaluation = evaluateScenario(loadLabels(run.scenarioId), out.observed);
    runs.push({ scenarioId: run.scenarioId, scale: out.observed.scale, informational: run.informational === true, evaluation });
    tables.push(
      formatScenario(evaluation, {
        label: runLabel(run),
        scale: out.observed.scale,
        informational: run.informational === true,
        events: out.stats.reports + out.stats.posts,
        signals: out.stats.signals,
        late: out.stats.detector.late,
        cpuMs: out.stats.cpuMs,
        why: run.why,
      }),
    );
  }
  const targets = checkTargets(new Map(runs.filter((r) => !r.informational).map((r) => [r.scenarioId, r.evaluation])));
  console.log(tables.join('\n\n'));
  console.log(`\n${DELAY_NOTE}\n`);
  console.log(formatTargets(targets));
  console.log('');

  const metrics = evalMetrics(runs);
  const cpuMs = [...outputs.values()].reduce((n, o) => n + o.stats.cpuMs, 0);
  metrics.eval_cpu_s = Math.round(cpuMs / 100) / 10;
  metrics.eval_wall_s = Math.round((performance.now() - started) / 100) / 10;
  const write = args.write ?? args.only === undefined;
  if (write) writeResult('eval', metrics);
  else console.log(`figures (not written: partial run; --write to write them):\n${JSON.stringify(metrics, null, 2)}`);
  if (args.strict && targets.some((t) => !t.met)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(2);
});
