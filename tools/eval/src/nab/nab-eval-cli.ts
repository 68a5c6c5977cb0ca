/**
 * `npm run eval:nab`: downradar on the Numenta Anomaly Benchmark.
 *
 *   npm run eval:nab                              score all 58 files with the detector, write the
 *                                                 result files and bench/results/nab.json
 *   npm run eval:nab -- --nab ~/NAB               a clone of github.com/numenta/NAB
 *   npm run eval:nab -- --only realTweets         some files (category or part of the name);
 *                                                 nab.json only with --write
 *   npm run eval:nab -- --score-results <dir>     score stored result files (<dir>/<category>/
 *                                                 <detector>_<file>.csv) instead of running the detector
 *   npm run eval:nab -- --strict                  exit 1 when a target is missed
 *
 * NAB's rules hold: one detector configuration for the whole corpus, the threshold chosen by the
 * sweep per profile. Beside NAB's figure it reports realTweets at a threshold chosen on the
 * other six categories, which does not look at realTweets' labels.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeResult } from '@downradar/common/bench-results';
import {
  listResultDetectors,
  nabResultPath,
  NabDataMissingError,
  readAnomalyScores,
  readNabCorpus,
  readNabProfiles,
  readPublishedScores,
  REPO_ROOT,
  resolveNabDir,
  type NabDataFile,
} from './nab-corpus';
import { scoreWithDetector, writeNabResult } from './nab-detector-run';
import { comparisonRow, formatCategories, formatComparison, HELD_OUT_CATEGORY, nabMetrics, nabReport, type NabComparisonRow, type NabReport } from './nab-report';
import { prepareRows, type NabFileScores, type NabProfile } from './nab-scoring';

export const DETECTOR_NAME = 'downradar';
export const DEFAULT_OUT = join(REPO_ROOT, 'bench', 'results', 'nab');
/** realTweets figures of the published detectors, computed by this scorer from a full clone (see --write-published). */
const PUBLISHED_FIGURES = join(REPO_ROOT, 'tools', 'eval', 'src', 'nab', 'nab-published-figures.json');

const USAGE = `usage: npm run eval:nab -- [--nab <dir>] [--out <dir>] [--only <text>] [--write] [--score-results <dir>] [--strict]
       npm run eval:nab -- --nab <clone of numenta/NAB> --write-published

  --nab <dir>            NAB folder (default: $DOWNRADAR_NAB_DIR, else ../shared/datasets/nab beside the checkout)
  --out <dir>            where the result files go (default bench/results/nab): <out>/${DETECTOR_NAME}/<category>/${DETECTOR_NAME}_<file>.csv
  --only <text>          only files whose name contains <text> (e.g. realTweets); bench/results/nab.json is then written only with --write
  --score-results <dir>  score a detector's stored result files instead of running downradar
  --strict               exit 1 when a target is missed
  --write-published      recompute ${PUBLISHED_FIGURES.slice(REPO_ROOT.length + 1)} from every detector in <nab>/results`;

interface Args {
  nab: string | undefined;
  out: string;
  only: string | undefined;
  write: boolean | undefined;
  scoreResults: string | undefined;
  strict: boolean;
  writePublished: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Args | 'help' {
  const a: Args = { nab: undefined, out: DEFAULT_OUT, only: undefined, write: undefined, scoreResults: undefined, strict: false, writePublished: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${k} needs a value`);
      return v;
    };
    if (k === '--help' || k === '-h') return 'help';
    else if (k === '--nab') a.nab = value();
    else if (k === '--out') a.out = resolve(value());
    else if (k === '--only') a.only = value();
    else if (k === '--write') a.write = true;
    else if (k === '--score-results') a.scoreResults = resolve(value());
    else if (k === '--strict') a.strict = true;
    else if (k === '--write-published') a.writePublished = true;
    else throw new UsageError(`unknown option "${k}"`);
  }
  return a;
}

interface Scored {
  files: NabFileScores[];
  refused: { name: string; reason: string }[];
  rows: number;
  cpuS: number;
  wallS: number;
}

async function runDetector(corpus: NabDataFile[], out: string): Promise<Scored> {
  const started = performance.now();
  const files: NabFileScores[] = [];
  const refused: Scored['refused'] = [];
  let cpuMs = 0;
  let rows = 0;
  const width = String(corpus.length).length;
  for (const [k, file] of corpus.entries()) {
    const t0 = performance.now();
    const result = await scoreWithDetector(file);
    cpuMs += result.cpuMs;
    rows += file.timestamps.length;
    writeNabResult(out, DETECTOR_NAME, file, result.scores);
    files.push({ name: file.name, timestamps: file.timestamps, windows: file.windows, scores: result.scores });
    const progress = `[${String(k + 1).padStart(width)}/${corpus.length}] ${file.name.padEnd(62)} ${String(file.timestamps.length).padStart(6)} rows ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s`;
    if (result.refused !== undefined) {
      refused.push({ name: file.name, reason: result.refused });
      process.stderr.write(`${progress}  REFUSED, counted as scored 0 on every row: ${result.refused}\n`);
    } else process.stderr.write(`${progress}\n`);
  }
  return { files, refused, rows, cpuS: cpuMs / 1000, wallS: (performance.now() - started) / 1000 };
}

function readStoredResults(corpus: NabDataFile[], detectorDir: string): NabFileScores[] {
  const detector = basename(detectorDir);
  return corpus.map((f) => {
    const path = nabResultPath(resolve(detectorDir, '..'), detector, f.name);
    if (!existsSync(path)) throw new Error(`no result file ${path} for ${f.name}`);
    return { name: f.name, timestamps: f.timestamps, windows: f.windows, scores: readAnomalyScores(path) };
  });
}

interface PublishedFigures {
  source: string;
  detectors: Record<string, { realTweetsOwn: number | undefined; realTweetsHeldOut: number | undefined }>;
}

/** Published detectors beside ours: corpus figures from final_results.json, realTweets from their result files. */
function publishedRows(nabDir: string, corpus: NabDataFile[], profiles: NabProfile[]): { rows: NabComparisonRow[]; notes: string[] } {
  const published = readPublishedScores(nabDir);
  const resultsDir = join(nabDir, 'results');
  const present = new Set(listResultDetectors(resultsDir));
  const reference = existsSync(PUBLISHED_FIGURES) ? (JSON.parse(readFileSync(PUBLISHED_FIGURES, 'utf8')) as PublishedFigures) : undefined;
  const notes: string[] = [];
  const rows: NabComparisonRow[] = [];
  let fromReference = false;
  for (const [detector, scores] of Object.entries(published)) {
    if (detector === 'null') continue;
    let realTweetsOwn: number | undefined;
    let realTweetsHeldOut: number | undefined;
    if (present.has(detector) && corpus.some((f) => f.category === HELD_OUT_CATEGORY)) {
      const row = comparisonRow(nabReport(detector, prepareRows(readStoredResults(corpus, join(resultsDir, detector))), profiles));
      realTweetsOwn = row.realTweetsOwn;
      realTweetsHeldOut = row.realTweetsHeldOut;
    } else if (reference?.detectors[detector] !== undefined) {
      realTweetsOwn = reference.detectors[detector].realTweetsOwn;
      realTweetsHeldOut = reference.detectors[detector].realTweetsHeldOut;
      fromReference = true;
    }
    rows.push({ detector, corpus: scores, realTweetsOwn, realTweetsHeldOut });
  }
  notes.push('published detectors: corpus figures from results/final_results.json (NAB v1.0 thresholds, a few below the sweep optimum)');
  if (fromReference) notes.push(`realTweets of detectors whose results are not in ${resultsDir}: ${reference!.source}`);
  return { rows, notes };
}

function writePublished(nabDir: string, corpus: NabDataFile[], profiles: NabProfile[]): void {
  const resultsDir = join(nabDir, 'results');
  const figures: PublishedFigures = {
    source: `computed by tools/eval (npm run eval:nab -- --write-published) from the result files of ${nabDir}, ${new Date().toISOString().slice(0, 10)}`,
    detectors: {},
  };
  for (const detector of listResultDetectors(resultsDir)) {
    process.stderr.write(`scoring ${detector}\n`);
    const row = comparisonRow(nabReport(detector, prepareRows(readStoredResults(corpus, join(resultsDir, detector))), profiles));
    figures.detectors[detector] = { realTweetsOwn: round1(row.realTweetsOwn), realTweetsHeldOut: round1(row.realTweetsHeldOut) };
  }
  writeFileSync(PUBLISHED_FIGURES, JSON.stringify(figures, null, 2) + '\n');
  process.stdout.write(`wrote ${PUBLISHED_FIGURES}\n`);
}

function round1(x: number | undefined): number | undefined {
  return x === undefined ? undefined : Math.round(x * 10) / 10;
}

export interface NabTarget {
  name: string;
  value: number | undefined;
  atLeast: number;
}

/** The targets: realTweets standard >= 70 (past Numenta HTM), whole corpus standard >= 60. */
export function nabTargets(report: NabReport, wholeCorpus: boolean): NabTarget[] {
  const standard = report.profiles.find((p) => p.profile === 'standard');
  const targets: NabTarget[] = [];
  if (report.categories.includes(HELD_OUT_CATEGORY)) {
    targets.push({ name: 'realTweets standard (NAB: alone, own threshold)', value: standard?.categoryOwn[HELD_OUT_CATEGORY]?.score, atLeast: 70 });
  }
  if (wholeCorpus) targets.push({ name: 'whole corpus standard', value: standard?.corpus.score, atLeast: 60 });
  return targets;
}

async function main(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`eval:nab: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let nabDir: string;
  try {
    nabDir = resolveNabDir({ flag: args.nab });
  } catch (e) {
    if (e instanceof NabDataMissingError) {
      process.stderr.write(`eval:nab: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const profiles = readNabProfiles(nabDir);
  let corpus = readNabCorpus(nabDir);
  if (args.writePublished) {
    writePublished(nabDir, corpus, profiles);
    return 0;
  }
  if (args.only !== undefined) {
    const only = args.only;
    corpus = corpus.filter((f) => f.name.includes(only));
    if (corpus.length === 0) {
      process.stderr.write(`eval:nab: no NAB file name contains "${only}"\n`);
      return 2;
    }
  }
  process.stdout.write(`NAB at ${nabDir}: ${corpus.length} files, ${corpus.reduce((n, f) => n + f.windows.length, 0)} windows\n`);

  let detector = DETECTOR_NAME;
  let scored: Scored;
  if (args.scoreResults !== undefined) {
    detector = basename(args.scoreResults);
    scored = { files: readStoredResults(corpus, args.scoreResults), refused: [], rows: 0, cpuS: 0, wallS: 0 };
  } else {
    scored = await runDetector(corpus, args.out);
    process.stdout.write(
      `scored ${corpus.length} files (${scored.rows} rows) in ${scored.wallS.toFixed(1)} s wall, ${scored.cpuS.toFixed(1)} s CPU; result files in ${join(args.out, DETECTOR_NAME)}\n`,
    );
    if (scored.refused.length > 0) {
      process.stdout.write(`REFUSED by the detector (${scored.refused.length}), counted as scored 0 on every row:\n`);
      for (const r of scored.refused) process.stdout.write(`  ${r.name}: ${r.reason}\n`);
    }
  }

  const report = nabReport(detector, prepareRows(scored.files), profiles);
  process.stdout.write(`\n${detector}, per category (normalised score; share of the corpus run at its threshold / the category alone):\n${formatCategories(report)}\n`);

  const comparison: NabComparisonRow[] = [comparisonRow(report)];
  const full = args.only === undefined;
  if (full) {
    const published = publishedRows(nabDir, corpus, profiles);
    comparison.push(...published.rows.filter((r) => r.detector !== detector));
    process.stdout.write(`\nWhole corpus (NAB's figure) and realTweets standard (alone with its own threshold; held-out: threshold chosen on the other six categories):\n`);
    process.stdout.write(`${formatComparison(comparison, profiles.map((p) => p.name), detector)}\n`);
    for (const n of published.notes) process.stdout.write(`  ${n}\n`);
  }

  const targets = nabTargets(report, full);
  process.stdout.write('\nTargets:\n');
  for (const t of targets) {
    const met = t.value !== undefined && t.value >= t.atLeast;
    process.stdout.write(`  ${met ? 'met    ' : 'MISSED '} ${t.name}: ${t.value === undefined ? '-' : t.value.toFixed(2)} (>= ${t.atLeast})\n`);
  }

  if (args.scoreResults === undefined && (args.write ?? full)) {
    const metrics: Record<string, number> = {
      ...nabMetrics(report),
      files_scored: corpus.length,
      files_refused: scored.refused.length,
      rows_scored: scored.rows,
      scoring_wall_s: Math.round(scored.wallS * 10) / 10,
      scoring_cpu_s: Math.round(scored.cpuS * 10) / 10,
      scoring_rows_per_cpu_s: Math.round(scored.rows / Math.max(scored.cpuS, 1e-3)),
      targets_met: targets.filter((t) => t.value !== undefined && t.value >= t.atLeast).length,
      targets_total: targets.length,
    };
    process.stdout.write('\n');
    writeResult('nab', metrics);
  }
  const missed = targets.some((t) => t.value === undefined || t.value < t.atLeast);
  return args.strict && missed ? 1 : 0;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`eval:nab: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
