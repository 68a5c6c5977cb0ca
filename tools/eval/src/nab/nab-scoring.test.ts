import { describe, expect, it } from 'vitest';
import {
  categoryOf,
  NabScoringError,
  NEVER_FIRES,
  normalisedScore,
  optimiseThreshold,
  prepareRows,
  probationRows,
  scaledSigmoid,
  scoreAtThreshold,
  type NabFileScores,
  type NabProfile,
  type NabWindow,
} from './nab-scoring';

const STANDARD: NabProfile = { name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const LOW_FP: NabProfile = { name: 'reward_low_FP_rate', tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };
const LOW_FN: NabProfile = { name: 'reward_low_FN_rate', tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

const S = (x: number) => 2 / (1 + Math.exp(5 * x)) - 1;

/** A file of n rows with timestamps 0, 1, 2, ... (row i at time i), scores 0 except `detections` at 1. */
function file(n: number, windows: [number, number][], detections: number[], name = 'cat/f.csv'): NabFileScores {
  const scores = new Array<number>(n).fill(0);
  for (const d of detections) scores[d] = 1;
  return { name, timestamps: Array.from({ length: n }, (_, i) => i), scores, windows: windows.map(([start, end]) => ({ start, end })) };
}

function rawAtHalf(f: NabFileScores, profile: NabProfile = STANDARD): number {
  return scoreAtThreshold(prepareRows([f]), profile, 0.5).raw;
}

describe('shape and probation', () => {
  it('S(-1) = 0.98661, S(0) = 0, S(1) = -0.98661, and -1 beyond 3', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3)).toBeCloseTo(S(3), 12);
    expect(scaledSigmoid(3)).toBeGreaterThan(-1);
    expect(scaledSigmoid(3.0001)).toBe(-1);
  });

  it('probation is 15% of the rows, at most 750', () => {
    expect(probationRows(100)).toBe(15);
    expect(probationRows(101)).toBe(15);
    expect(probationRows(4999)).toBe(749);
    expect(probationRows(5000)).toBe(750);
    expect(probationRows(15_831)).toBe(750);
  });

  it('a category is the file name up to its slash', () => {
    expect(categoryOf('realTweets/Twitter_volume_AAPL.csv')).toBe('realTweets');
  });
});

describe('one file at a fixed threshold (n = 30: rows 0-3 are probation; window rows 8-11, W = 4; n = 40: rows 0-5)', () => {
  const W: [number, number][] = [[8, 11]];

  it('a detection at the window first row earns tpWeight', () => {
    expect(rawAtHalf(file(30, W, [8]))).toBeCloseTo(1, 12);
  });

  it('a detection at the window last row earns S(-1/W) / S(-1)', () => {
    expect(rawAtHalf(file(30, W, [11]))).toBeCloseTo(S(-1 / 4) / S(-1), 12);
  });

  it('only the earliest detection in a window counts, later ones neither add nor cost', () => {
    expect(rawAtHalf(file(30, W, [9, 10, 11]))).toBeCloseTo(S(-3 / 4) / S(-1), 12);
  });

  it('a missed window costs fnWeight (2 under reward_low_FN_rate)', () => {
    expect(rawAtHalf(file(30, W, []))).toBeCloseTo(-1, 12);
    expect(rawAtHalf(file(30, W, []), LOW_FN)).toBeCloseTo(-2, 12);
  });

  it('a false positive before any window costs fpWeight', () => {
    expect(rawAtHalf(file(30, W, [8, 5]))).toBeCloseTo(1 - 0.11, 12);
    expect(rawAtHalf(file(30, W, [8, 5]), LOW_FP)).toBeCloseTo(1 - 0.22, 12);
  });

  it('a false positive after a window costs fpWeight x S((i - b) / (W - 1)), each row separately', () => {
    const y = (i: number) => (i - 11) / 3;
    expect(rawAtHalf(file(30, W, [8, 12]))).toBeCloseTo(1 + 0.11 * S(y(12)), 12);
    expect(rawAtHalf(file(30, W, [8, 12, 19]))).toBeCloseTo(1 + 0.11 * S(y(12)) + 0.11 * S(y(19)), 12);
    // Row 21 is 10/3 > 3 window lengths after the window: the full cost.
    expect(rawAtHalf(file(30, W, [8, 21]))).toBeCloseTo(1 - 0.11, 12);
  });

  it('probation rows are neither detections nor false positives, and a window inside probation is not missed', () => {
    expect(rawAtHalf(file(30, W, [8, 0, 1, 2, 3]))).toBeCloseTo(1, 12);
    const early = prepareRows([file(30, [[1, 2]], [])]);
    expect(scoreAtThreshold(early, STANDARD, 0.5)).toMatchObject({ raw: 0, missedWindows: 0, windows: 1 });
  });

  it('a window that straddles the end of probation counts only its scored rows', () => {
    // Window rows 2-5, probation rows 0-3: a detection at row 4 is worth S(-(5 - 4 + 1) / 4).
    expect(rawAtHalf(file(30, [[2, 5]], [4]))).toBeCloseTo(S(-2 / 4) / S(-1), 12);
    expect(rawAtHalf(file(30, [[2, 5]], [1]))).toBeCloseTo(-1, 12);
  });

  it('false positives are measured from the most recent window to end', () => {
    // Windows 8-11 (W 4) and 15-22 (W 8): row 24 is after the second one.
    expect(rawAtHalf(file(40, [[8, 11], [15, 22]], [8, 15, 24]))).toBeCloseTo(2 + 0.11 * S(2 / 7), 12);
    // Row 13 is between them, measured from the first.
    expect(rawAtHalf(file(40, [[8, 11], [15, 22]], [8, 15, 13]))).toBeCloseTo(2 + 0.11 * S(2 / 3), 12);
  });

  it('counts detected and missed windows and false positive rows', () => {
    const o = scoreAtThreshold(prepareRows([file(40, [[8, 11], [15, 22]], [9, 10, 7, 30])]), STANDARD, 0.5);
    expect(o).toMatchObject({ detectedWindows: 1, missedWindows: 1, falsePositiveRows: 2, windows: 2, threshold: 0.5 });
  });

  it('with repeated timestamps a window opens at the first row at its start and its width runs to the first row at its end', () => {
    // Timestamps 0..9 then 5..9 again: the window [6, 8] spans rows 6-8 (W = 3); the rows 11-13 with
    // the same times lie outside it.
    const timestamps = [...Array.from({ length: 10 }, (_, i) => i), 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
    const scores = timestamps.map(() => 0);
    scores[7] = 1; // inside, second row of three
    scores[12] = 1; // same timestamp as row 7, outside: after the window ending at row 8 (W 3)
    const o = scoreAtThreshold(prepareRows([{ name: 'c/dup.csv', timestamps, scores, windows: [{ start: 6, end: 8 }] }]), STANDARD, 0.5);
    expect(o.raw).toBeCloseTo(S(-2 / 3) / S(-1) + 0.11 * S(4 / 2), 12);
  });
});

describe('errors', () => {
  it('refuses a result with a different number of rows than the data', () => {
    expect(() => prepareRows([{ name: 'c/a.csv', timestamps: [0, 1, 2], scores: [0, 0], windows: [] }])).toThrow(NabScoringError);
    expect(() => prepareRows([{ name: 'c/a.csv', timestamps: [0, 1, 2], scores: [0, 0], windows: [] }])).toThrow(/2 anomaly scores for 3 data rows/);
  });

  it('refuses a window whose ends are not timestamps of the file', () => {
    expect(() => prepareRows([file(30, [[8, 99]], [])])).toThrow(/does not start and end on timestamps/);
  });

  it('refuses a score that is not a number', () => {
    const f = file(30, [], []);
    (f.scores as number[])[20] = NaN;
    expect(() => prepareRows([f])).toThrow(/row 21 has anomaly score NaN/);
  });
});

describe('threshold sweep', () => {
  it('keeps the higher threshold on a tie', () => {
    // 0.9 on the window's first row, 0.8 on its second: both thresholds give +1.
    const f = file(30, [[8, 11]], []);
    (f.scores as number[])[8] = 0.9;
    (f.scores as number[])[9] = 0.8;
    const best = optimiseThreshold(prepareRows([f]), STANDARD);
    expect(best.threshold).toBe(0.9);
    expect(best.raw).toBeCloseTo(1, 12);
  });

  it('never fires (threshold 1.1) when every detection costs', () => {
    const f = file(30, [[8, 11]], [5, 20, 25]);
    const best = optimiseThreshold(prepareRows([f]), STANDARD);
    expect(best).toMatchObject({ threshold: NEVER_FIRES, raw: -1, detectedWindows: 0, falsePositiveRows: 0 });
  });

  it('takes one threshold for all files together', () => {
    // File a wants threshold 0.6 (0.6 hits its window, 0.7 is a false positive); file b has only a
    // false positive at 0.65. Together: at 0.6 both windows' values minus two FPs (0.7 and 0.65).
    const a = file(30, [[8, 11]], [], 'c/a.csv');
    (a.scores as number[])[8] = 0.6;
    (a.scores as number[])[25] = 0.7;
    const b = file(30, [[8, 11]], [], 'c/b.csv');
    (b.scores as number[])[8] = 0.95;
    (b.scores as number[])[26] = 0.65;
    const rows = prepareRows([a, b]);
    const best = optimiseThreshold(rows, STANDARD);
    expect(best.threshold).toBe(0.6);
    expect(best.raw).toBeCloseTo(2 - 0.22, 9);
    // Restricted to file b alone, 0.95 is best.
    expect(optimiseThreshold(rows, STANDARD, (i) => i === 1).threshold).toBe(0.95);
  });

  it('agrees with a direct reading of the rules on random files, at every candidate threshold', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 40; trial++) {
      const files: NabFileScores[] = [];
      for (let k = 0; k < 3; k++) {
        const n = 40 + Math.floor(random() * 80);
        const windows: NabWindow[] = [];
        let at = probationRows(n) + Math.floor(random() * 10);
        while (at < n - 6 && random() < 0.7) {
          const width = 2 + Math.floor(random() * 8);
          windows.push({ start: at, end: Math.min(at + width - 1, n - 1) });
          at += width + 1 + Math.floor(random() * 20);
        }
        const scores = Array.from({ length: n }, () => Math.round(random() * 20) / 20);
        files.push({ name: `c/${trial}-${k}.csv`, timestamps: Array.from({ length: n }, (_, i) => i), scores, windows });
      }
      const rows = prepareRows(files);
      for (const profile of [STANDARD, LOW_FP, LOW_FN]) {
        const candidates = [NEVER_FIRES, ...new Set(files.flatMap((f) => Array.from(f.scores).filter((_, i) => i >= probationRows(f.scores.length))))].sort((x, y) => y - x);
        let bestRaw = -Infinity;
        let bestThreshold = NaN;
        for (const t of candidates) {
          const direct = files.reduce((sum, f) => sum + directRawScore(f, profile, t), 0);
          expect(scoreAtThreshold(rows, profile, t).raw).toBeCloseTo(direct, 9);
          if (direct > bestRaw + 1e-12) {
            bestRaw = direct;
            bestThreshold = t;
          }
        }
        const best = optimiseThreshold(rows, profile);
        expect(best.raw).toBeCloseTo(bestRaw, 9);
        expect(best.threshold).toBe(bestThreshold);
      }
    }
  });
});

/** The rules of research/nab-scoring.md read literally, one file, distinct increasing timestamps. */
function directRawScore(f: NabFileScores, p: NabProfile, threshold: number): number {
  const n = f.timestamps.length;
  const probation = probationRows(n);
  const ranges = f.windows.map((w) => ({ a: Array.from(f.timestamps).indexOf(w.start), b: Array.from(f.timestamps).indexOf(w.end) }));
  let raw = 0;
  for (const { a, b } of ranges) {
    if (b < probation) continue;
    const W = b - a + 1;
    let first = -1;
    for (let i = Math.max(a, probation); i <= b; i++) {
      if (f.scores[i]! >= threshold) {
        first = i;
        break;
      }
    }
    raw += first < 0 ? -p.fnWeight : (p.tpWeight * S(-(b - first + 1) / W)) / S(-1);
  }
  for (let i = probation; i < n; i++) {
    if (f.scores[i]! < threshold || ranges.some(({ a, b }) => i >= a && i <= b)) continue;
    const before = ranges.filter(({ b }) => b < i).at(-1);
    if (before === undefined) raw -= p.fpWeight;
    else {
      const y = (i - before.b) / (before.b - before.a);
      raw += p.fpWeight * (y > 3 ? -1 : S(y));
    }
  }
  return raw;
}

describe('normalisation', () => {
  it('maps the null detector to 0 and a perfect one to 100, per profile', () => {
    expect(normalisedScore(-116, 116, STANDARD)).toBe(0);
    expect(normalisedScore(116, 116, STANDARD)).toBe(100);
    expect(normalisedScore(-232, 116, LOW_FN)).toBe(0);
    expect(normalisedScore(116, 116, LOW_FN)).toBe(100);
    expect(normalisedScore(0, 33, STANDARD)).toBeCloseTo(50, 12);
    expect(normalisedScore(0, 33, LOW_FN)).toBeCloseTo((100 * 66) / 99, 12);
  });

  it('is undefined without windows', () => {
    expect(normalisedScore(-0.5, 0, STANDARD)).toBeUndefined();
  });
});
