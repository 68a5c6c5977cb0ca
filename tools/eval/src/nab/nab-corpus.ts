/**
 * Reading a NAB checkout (a clone of numenta/NAB, or ../shared/datasets/nab on our machines): where
 * it is, its labels and profiles, its data files and a detector's stored result files. The I/O
 * shell around nab-scoring.ts; nothing here decides a score.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NabProfile, NabWindow } from './nab-scoring';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export const NAB_DIR_ENV = 'DOWNRADAR_NAB_DIR';

export class NabDataMissingError extends Error {
  override readonly name = 'NabDataMissingError';
}

/**
 * The default places of the NAB data: ../shared/datasets/nab beside the checkout and, when the
 * checkout is a git worktree, beside its main checkout too (a worktree's `.git` is a file that
 * names the main repository's git directory).
 */
export function defaultNabCandidates(repoRoot: string = REPO_ROOT): string[] {
  const candidates = [resolve(repoRoot, '..', 'shared', 'datasets', 'nab')];
  const gitFile = join(repoRoot, '.git');
  try {
    if (statSync(gitFile).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitFile, 'utf8'));
      if (m !== null) {
        const gitDir = resolve(repoRoot, m[1]!.trim());
        const commonFile = join(gitDir, 'commondir');
        const common = existsSync(commonFile) ? resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
        const mainCheckout = dirname(common);
        const beside = resolve(mainCheckout, '..', 'shared', 'datasets', 'nab');
        if (!candidates.includes(beside)) candidates.push(beside);
      }
    }
  } catch {
    // No .git at all (an unpacked tarball): only the first candidate.
  }
  return candidates;
}

function looksLikeNab(dir: string): boolean {
  return existsSync(join(dir, 'labels', 'combined_windows.json')) && existsSync(join(dir, 'data'));
}

/**
 * The NAB directory: --nab if given, else $DOWNRADAR_NAB_DIR, else the first default place that
 * holds NAB. Throws NabDataMissingError naming every path looked at.
 */
export function resolveNabDir(options: { flag?: string | undefined; env?: NodeJS.ProcessEnv; repoRoot?: string } = {}): string {
  const env = options.env ?? process.env;
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const explicit = options.flag ?? (env[NAB_DIR_ENV] !== undefined && env[NAB_DIR_ENV] !== '' ? env[NAB_DIR_ENV] : undefined);
  if (explicit !== undefined) {
    const dir = isAbsolute(explicit) ? explicit : resolve(process.cwd(), explicit);
    if (!looksLikeNab(dir)) {
      throw new NabDataMissingError(
        `no NAB data at ${dir} (given by ${options.flag !== undefined ? '--nab' : NAB_DIR_ENV}): expected labels/combined_windows.json and data/ there, as in a clone of github.com/numenta/NAB`,
      );
    }
    return dir;
  }
  const candidates = defaultNabCandidates(repoRoot);
  const found = candidates.find(looksLikeNab);
  if (found === undefined) {
    throw new NabDataMissingError(
      `no NAB data found; looked at ${candidates.join(' and ')}. Point --nab (or ${NAB_DIR_ENV}) at a clone of github.com/numenta/NAB`,
    );
  }
  return found;
}

/** NAB's timestamps (`2015-02-26 21:42:53`, `2014-04-10 07:15:00.000000`) have no zone: read as UTC. */
export function parseNabTimestamp(text: string): number {
  if (text.length === 19 && text[4] === '-' && text[7] === '-' && text[10] === ' ' && text[13] === ':' && text[16] === ':') {
    // The common case, 365,000 times per corpus: without a regex and Date.parse.
    const ms = Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10), +text.slice(11, 13), +text.slice(14, 16), +text.slice(17, 19));
    if (Number.isFinite(ms)) return ms;
  }
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (m === null) throw new Error(`not a NAB timestamp: "${text}"`);
  const ms = Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '0').padEnd(3, '0').slice(0, 3)}Z`);
  if (!Number.isFinite(ms)) throw new Error(`not a NAB timestamp: "${text}"`);
  return ms;
}

export function readNabProfiles(nabDir: string): NabProfile[] {
  const file = join(nabDir, 'config', 'profiles.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { CostMatrix: { tpWeight: number; fpWeight: number; fnWeight: number } }>;
  return Object.entries(json).map(([name, p]) => ({ name, tpWeight: p.CostMatrix.tpWeight, fpWeight: p.CostMatrix.fpWeight, fnWeight: p.CostMatrix.fnWeight }));
}

/** combined_windows.json: data file name -> its windows, in the file's order. */
export function readNabWindows(nabDir: string): Map<string, NabWindow[]> {
  const json = JSON.parse(readFileSync(join(nabDir, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  return new Map(Object.entries(json).map(([name, ws]) => [name, ws.map(([s, e]) => ({ start: parseNabTimestamp(s), end: parseNabTimestamp(e) }))]));
}

export interface NabDataFile {
  /** `realTweets/Twitter_volume_AAPL.csv` */
  name: string;
  category: string;
  path: string;
  timestamps: Float64Array;
  /** The timestamp and value columns exactly as written, for the result files. */
  timestampTexts: string[];
  valueTexts: string[];
  windows: NabWindow[];
}

function csvLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export function readNabDataFile(nabDir: string, name: string, windows: NabWindow[]): NabDataFile {
  const path = join(nabDir, 'data', name);
  const lines = csvLines(readFileSync(path, 'utf8'));
  const header = lines[0]?.split(',') ?? [];
  if (header[0] !== 'timestamp' || header[1] !== 'value') throw new Error(`${path}: expected the header "timestamp,value", got "${lines[0]}"`);
  const n = lines.length - 1;
  const timestamps = new Float64Array(n);
  const timestampTexts: string[] = new Array<string>(n);
  const valueTexts: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i + 1]!;
    const comma = line.indexOf(',');
    timestampTexts[i] = line.slice(0, comma);
    valueTexts[i] = line.slice(comma + 1);
    timestamps[i] = parseNabTimestamp(timestampTexts[i]!);
  }
  return { name, category: name.slice(0, name.indexOf('/')), path, timestamps, timestampTexts, valueTexts, windows };
}

/** Every data file named in the label file, in its order. */
export function readNabCorpus(nabDir: string): NabDataFile[] {
  const windows = readNabWindows(nabDir);
  return [...windows.entries()].map(([name, ws]) => readNabDataFile(nabDir, name, ws));
}

/** `<results>/<detector>/<category>/<detector>_<file>.csv`, NAB's layout of result files. */
export function nabResultPath(resultsDir: string, detector: string, dataFileName: string): string {
  const slash = dataFileName.indexOf('/');
  return join(resultsDir, detector, dataFileName.slice(0, slash), `${detector}_${dataFileName.slice(slash + 1)}`);
}

/** The anomaly_score column of a result file. */
export function readAnomalyScores(path: string): Float64Array {
  const lines = csvLines(readFileSync(path, 'utf8'));
  const column = (lines[0] ?? '').split(',').indexOf('anomaly_score');
  if (column < 0) throw new Error(`${path}: no anomaly_score column in the header "${lines[0]}"`);
  const scores = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    let from = 0;
    for (let c = 0; c < column && from >= 0; c++) from = line.indexOf(',', from) + 1 || -1;
    const to = from < 0 ? -1 : line.indexOf(',', from);
    const field = from < 0 ? undefined : line.slice(from, to < 0 ? undefined : to);
    const score = field === undefined ? NaN : Number(field);
    if (field === undefined || field.trim() === '' || !Number.isFinite(score)) throw new Error(`${path}: line ${i + 1}: anomaly_score "${field}" is not a number`);
    scores[i - 1] = score;
  }
  return scores;
}

/** The detectors whose result directories a NAB results folder holds. */
export function listResultDetectors(resultsDir: string): string[] {
  return readdirSync(resultsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** results/final_results.json: detector -> profile -> published normalised score. */
export function readPublishedScores(nabDir: string): Record<string, Record<string, number>> {
  return JSON.parse(readFileSync(join(nabDir, 'results', 'final_results.json'), 'utf8')) as Record<string, Record<string, number>>;
}
