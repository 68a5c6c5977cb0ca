/**
 * The Numenta Anomaly Benchmark's scoring, written from ../shared/research/nab-scoring.md
 * (NAB v1.1, the exhaustive threshold sweep). Pure: no I/O; nab-corpus.ts reads the files.
 *
 * What it computes, per profile (tpWeight, fpWeight, fnWeight):
 *  - each file's first P = min(floor(0.15 n), 750) rows are probation: never TP, FP or FN;
 *  - a detection (score >= threshold) inside a labelled window [a, b] of width W = b - a + 1 rows,
 *    at row i, is worth tpWeight * S(-(b - i + 1) / W) / S(-1), and only the earliest detection
 *    of a window counts (it is the largest, S being decreasing); a window with none costs fnWeight;
 *  - a detection outside every window costs fpWeight * S((i - b) / (W - 1)) after a window ending
 *    at row b (width W), or fpWeight before the first window, each row separately;
 *  - with S(x) = 2 / (1 + e^{5x}) - 1, and S(x) = -1 beyond x = 3.
 * One threshold for the whole set of files scored together: the highest raw score over the
 * candidates 1.1 (nothing fires) and every distinct score on a scored row, the higher threshold
 * winning a tie. Normalised: 100 (raw - null) / (perfect - null) with perfect = tpWeight x windows
 * and null = -fnWeight x windows (the null detector never fires at its optimum).
 *
 * Rows are matched to the data file's timestamps by position. Windows are found as NAB finds
 * them: a window opens at the first row whose timestamp is the window's start (in the order of
 * the label file) and closes at the first row whose timestamp is its end; its width is taken from
 * the first occurrence of each end. This matters only for the few files with repeated or
 * out-of-order timestamps.
 */

export interface NabProfile {
  name: string;
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** A labelled window, both ends included; timestamps in epoch milliseconds (NAB's are naive, read as UTC). */
export interface NabWindow {
  start: number;
  end: number;
}

/** One data file, its labelled windows, and a detector's anomaly score for each row. */
export interface NabFileScores {
  /** The data file's path under data/, e.g. `realTweets/Twitter_volume_AAPL.csv`. */
  name: string;
  timestamps: ArrayLike<number>;
  scores: ArrayLike<number>;
  windows: readonly NabWindow[];
}

/** Threshold above every possible score: the candidate at which nothing fires. */
export const NEVER_FIRES = 1.1;

const PROBATION_FRACTION = 0.15;
const PROBATION_MAX_ROWS = 750; // 0.15 x 5000, NAB's cap

/** S(x): 0.98661 at -1 (a window's first row), 0 at a window's right edge, towards -1 after it. */
export function scaledSigmoid(x: number): number {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/** How many leading rows of an n-row file are never scored. */
export function probationRows(n: number): number {
  return Math.min(Math.floor(PROBATION_FRACTION * n), PROBATION_MAX_ROWS);
}

/** The file's name up to its first slash: `realTweets/Twitter_volume_AAPL.csv` is in `realTweets`. */
export function categoryOf(fileName: string): string {
  const slash = fileName.indexOf('/');
  return slash < 0 ? '' : fileName.slice(0, slash);
}

/**
 * The scored rows of a set of files, in flat arrays, independent of profile and threshold: per
 * row its anomaly score, the window it falls in (-1 outside every window) and its unweighted value
 * (S(x) / S(-1) inside a window, S(y) or -1 outside), plus the rows' order by descending score.
 */
export interface NabRows {
  files: string[];
  /** Per window: the file it belongs to (index into files). */
  windowFile: Int32Array;
  /** Windows of each file, whether or not a row of them is scored. */
  windowsPerFile: Int32Array;
  /** Per window: 1 when at least one of its rows is past probation (a window that can be missed). */
  windowScored: Uint8Array;
  score: Float64Array;
  window: Int32Array;
  unit: Float64Array;
  file: Int32Array;
  /** Row indices sorted by descending score. */
  byScore: Int32Array;
}

export class NabScoringError extends Error {
  override readonly name = 'NabScoringError';
}

/** Classifies every row of every file; throws NabScoringError when a file's scores do not match its rows. */
export function prepareRows(files: readonly NabFileScores[]): NabRows {
  let total = 0;
  let windowTotal = 0;
  for (const f of files) {
    if (f.scores.length !== f.timestamps.length) {
      throw new NabScoringError(`${f.name}: ${f.scores.length} anomaly scores for ${f.timestamps.length} data rows (one score per row is required)`);
    }
    total += f.timestamps.length - probationRows(f.timestamps.length);
    windowTotal += f.windows.length;
  }
  const rows: NabRows = {
    files: files.map((f) => f.name),
    windowFile: new Int32Array(windowTotal),
    windowsPerFile: new Int32Array(files.length),
    windowScored: new Uint8Array(windowTotal),
    score: new Float64Array(total),
    window: new Int32Array(total),
    unit: new Float64Array(total),
    file: new Int32Array(total),
    byScore: new Int32Array(total),
  };
  let r = 0;
  let windowBase = 0;
  files.forEach((f, fileIndex) => {
    rows.windowsPerFile[fileIndex] = f.windows.length;
    for (let w = 0; w < f.windows.length; w++) rows.windowFile[windowBase + w] = fileIndex;
    r = classifyFile(f, fileIndex, windowBase, rows, r);
    windowBase += f.windows.length;
  });
  const order = Array.from({ length: total }, (_, i) => i);
  const score = rows.score;
  order.sort((a, b) => score[b]! - score[a]!);
  rows.byScore.set(order);
  return rows;
}

function firstIndexOf(timestamps: ArrayLike<number>, at: number): number {
  for (let i = 0; i < timestamps.length; i++) if (timestamps[i] === at) return i;
  return -1;
}

function classifyFile(f: NabFileScores, fileIndex: number, windowBase: number, rows: NabRows, firstRow: number): number {
  const n = f.timestamps.length;
  const probation = probationRows(n);
  const windows = [...f.windows].map((w, index) => ({ ...w, index }));
  for (const w of windows) {
    if (firstIndexOf(f.timestamps, w.start) < 0 || firstIndexOf(f.timestamps, w.end) < 0) {
      throw new NabScoringError(`${f.name}: window [${new Date(w.start).toISOString()}, ${new Date(w.end).toISOString()}] does not start and end on timestamps of the file`);
    }
  }
  let next = 0; // the next window to open, in label order
  let current: { index: number; right: number; width: number; end: number } | undefined;
  let previous: { right: number; width: number } | undefined;
  let r = firstRow;
  for (let i = 0; i < n; i++) {
    const at = f.timestamps[i]!;
    const opening = windows[next];
    if (opening !== undefined && at === opening.start) {
      const right = firstIndexOf(f.timestamps, opening.end);
      current = { index: opening.index, right, width: right - firstIndexOf(f.timestamps, opening.start) + 1, end: opening.end };
      next++;
    }
    let unit: number;
    if (current !== undefined) unit = scaledSigmoid(-(current.right - i + 1) / current.width) / MAX_TP;
    else if (previous === undefined) unit = -1;
    else unit = scaledSigmoid(Math.abs(i - previous.right) / (previous.width - 1));
    if (i >= probation) {
      const score = f.scores[i]!;
      if (!Number.isFinite(score)) throw new NabScoringError(`${f.name}: row ${i + 1} has anomaly score ${score}`);
      rows.score[r] = score;
      rows.window[r] = current === undefined ? -1 : windowBase + current.index;
      if (current !== undefined) rows.windowScored[windowBase + current.index] = 1;
      rows.unit[r] = unit;
      rows.file[r] = fileIndex;
      r++;
    }
    if (current !== undefined && at === current.end) {
      previous = { right: i, width: current.width };
      current = undefined;
    }
  }
  return r;
}

/** Which files take part: all of them when omitted. */
export type FileFilter = (fileIndex: number) => boolean;

export interface NabOutcome {
  threshold: number;
  /** The raw NAB score: window values plus false-positive costs. */
  raw: number;
  /** Windows with a detection, windows missed (both among windows with a scored row), detections outside windows. */
  detectedWindows: number;
  missedWindows: number;
  falsePositiveRows: number;
  /** Windows of the files taken (the normaliser's count). */
  windows: number;
}

function countWindows(rows: NabRows, include: FileFilter): { all: number; scored: number } {
  let all = 0;
  let scored = 0;
  for (let w = 0; w < rows.windowFile.length; w++) {
    if (!include(rows.windowFile[w]!)) continue;
    all++;
    scored += rows.windowScored[w]!;
  }
  return { all, scored };
}

/**
 * Accumulates detections in descending score order; `visit(threshold, state)` is called with the
 * state for every candidate threshold (all rows with score >= threshold detected), NEVER_FIRES first.
 */
function sweepRows(rows: NabRows, profile: NabProfile, include: FileFilter, visit: (outcome: NabOutcome) => boolean | void): void {
  const windowValue = new Float64Array(rows.windowFile.length);
  const { all, scored } = countWindows(rows, include);
  let raw = 0 - profile.fnWeight * scored;
  for (let w = 0; w < windowValue.length; w++) windowValue[w] = -profile.fnWeight;
  let detected = 0;
  let falsePositives = 0;
  let threshold = NEVER_FIRES;
  const outcome = (): NabOutcome => ({ threshold, raw, detectedWindows: detected, missedWindows: scored - detected, falsePositiveRows: falsePositives, windows: all });
  for (let k = 0; k < rows.byScore.length; k++) {
    const r = rows.byScore[k]!;
    if (!include(rows.file[r]!)) continue;
    const score = rows.score[r]!;
    if (score !== threshold) {
      if (visit(outcome()) === false) return;
      threshold = score;
    }
    const w = rows.window[r]!;
    if (w < 0) {
      raw += profile.fpWeight * rows.unit[r]!;
      falsePositives++;
    } else {
      const value = profile.tpWeight * rows.unit[r]!;
      const old = windowValue[w]!;
      if (value > old) {
        if (old === -profile.fnWeight) detected++;
        raw += value - old;
        windowValue[w] = value;
      }
    }
  }
  visit(outcome());
}

const ALL: FileFilter = () => true;

/** The best threshold for these files under this profile (NAB's sweep), with its outcome. */
export function optimiseThreshold(rows: NabRows, profile: NabProfile, include: FileFilter = ALL): NabOutcome {
  let best: NabOutcome | undefined;
  sweepRows(rows, profile, include, (o) => {
    // Strictly greater: candidates come in descending threshold, so a tie keeps the higher one.
    if (best === undefined || o.raw > best.raw) best = o;
  });
  return best!;
}

/** The outcome at a given threshold (a row is a detection when its score >= threshold). */
export function scoreAtThreshold(rows: NabRows, profile: NabProfile, threshold: number, include: FileFilter = ALL): NabOutcome {
  let at: NabOutcome | undefined;
  sweepRows(rows, profile, include, (o) => {
    if (o.threshold < threshold) return false;
    at = o;
  });
  return { ...at!, threshold };
}

/** NAB's normalised score, 0 for the null detector and 100 for a perfect one; undefined without windows. */
export function normalisedScore(raw: number, windows: number, profile: NabProfile): number | undefined {
  if (windows === 0) return undefined;
  const perfect = profile.tpWeight * windows;
  const nullScore = -profile.fnWeight * windows;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}
