/**
 * What `npm run eval:nab` reports for one detector's scores on the NAB corpus, and how it prints.
 * Pure: every figure comes from nab-scoring.ts on prepared rows.
 *
 * Per profile:
 *  - the whole corpus, at the threshold the sweep chooses on the whole corpus (NAB's figure);
 *  - per category, (a) its share of that run, at the corpus threshold, and (b) the category alone
 *    with its own threshold (never lower than (a));
 *  - realTweets at the threshold chosen on the other six categories: a threshold fixed without
 *    realTweets' labels, so the figure is not flattered by choosing it on the test data.
 */
import { categoryOf, normalisedScore, optimiseThreshold, scoreAtThreshold, type NabOutcome, type NabProfile, type NabRows } from './nab-scoring';

export const HELD_OUT_CATEGORY = 'realTweets';

export interface NabFigure {
  /** Normalised score; undefined for a set without windows (artificialNoAnomaly). */
  score: number | undefined;
  threshold: number;
  raw: number;
  detectedWindows: number;
  missedWindows: number;
  falsePositiveRows: number;
  windows: number;
}

export interface NabProfileReport {
  profile: string;
  corpus: NabFigure;
  /** Category -> its share of the corpus run (at the corpus threshold). */
  categoryShare: Record<string, NabFigure>;
  /** Category -> the category alone, threshold re-optimised on it. */
  categoryOwn: Record<string, NabFigure>;
  /** realTweets at the threshold optimised on the other categories; undefined when the corpus has no realTweets. */
  heldOut: NabFigure | undefined;
}

export interface NabReport {
  detector: string;
  categories: string[];
  profiles: NabProfileReport[];
}

function figure(o: NabOutcome, profile: NabProfile): NabFigure {
  return {
    score: normalisedScore(o.raw, o.windows, profile),
    threshold: o.threshold,
    raw: o.raw,
    detectedWindows: o.detectedWindows,
    missedWindows: o.missedWindows,
    falsePositiveRows: o.falsePositiveRows,
    windows: o.windows,
  };
}

export function nabReport(detector: string, rows: NabRows, profiles: readonly NabProfile[]): NabReport {
  const fileCategory = rows.files.map(categoryOf);
  const categories = [...new Set(fileCategory)].sort();
  const inCategory = (c: string) => (i: number) => fileCategory[i] === c;
  return {
    detector,
    categories,
    profiles: profiles.map((p) => {
      const corpus = optimiseThreshold(rows, p);
      const categoryShare: Record<string, NabFigure> = {};
      const categoryOwn: Record<string, NabFigure> = {};
      for (const c of categories) {
        categoryShare[c] = figure(scoreAtThreshold(rows, p, corpus.threshold, inCategory(c)), p);
        categoryOwn[c] = figure(optimiseThreshold(rows, p, inCategory(c)), p);
      }
      let heldOut: NabFigure | undefined;
      if (categories.includes(HELD_OUT_CATEGORY) && categories.length > 1) {
        const others = optimiseThreshold(rows, p, (i) => fileCategory[i] !== HELD_OUT_CATEGORY);
        heldOut = figure(scoreAtThreshold(rows, p, others.threshold, inCategory(HELD_OUT_CATEGORY)), p);
      }
      return { profile: p.name, corpus: figure(corpus, p), categoryShare, categoryOwn, heldOut };
    }),
  };
}

/** `realTweets` -> `real_tweets`, `reward_low_FP_rate` -> `reward_low_fp_rate`. */
export function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/**
 * Flat figures for bench/results/nab.json. Scores are NAB's normalised 0-100 figure (`_score`);
 * a set without windows has no normalised score, only its false-positive rows.
 */
export function nabMetrics(report: NabReport): Record<string, number> {
  const m: Record<string, number> = {};
  const put = (prefix: string, f: NabFigure) => {
    if (f.score !== undefined) m[`${prefix}_score`] = round(f.score);
    m[`${prefix}_detected_windows`] = f.detectedWindows;
    m[`${prefix}_missed_windows`] = f.missedWindows;
    m[`${prefix}_false_positive_rows`] = f.falsePositiveRows;
  };
  for (const p of report.profiles) {
    const profile = snake(p.profile);
    put(`corpus_${profile}`, p.corpus);
    m[`corpus_${profile}_threshold`] = p.corpus.threshold;
    for (const c of report.categories) {
      // Per category the score alone (or, without windows, the false positives).
      for (const [suffix, f] of [['', p.categoryShare[c]!], ['_own_threshold', p.categoryOwn[c]!]] as const) {
        if (f.score !== undefined) m[`${snake(c)}_${profile}${suffix}_score`] = round(f.score);
        else m[`${snake(c)}_${profile}${suffix}_false_positive_rows`] = f.falsePositiveRows;
      }
    }
    if (p.heldOut !== undefined) {
      put(`${snake(HELD_OUT_CATEGORY)}_${profile}_threshold_from_other_categories`, p.heldOut);
      m[`${snake(HELD_OUT_CATEGORY)}_${profile}_threshold_from_other_categories_threshold`] = p.heldOut.threshold;
    }
  }
  return m;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** One detector's line in the comparison table. */
export interface NabComparisonRow {
  detector: string;
  /** Profile -> corpus score. */
  corpus: Record<string, number | undefined>;
  /** realTweets standard: alone with its own threshold, and at the threshold from the other categories. */
  realTweetsOwn: number | undefined;
  realTweetsHeldOut: number | undefined;
  note?: string;
}

export function comparisonRow(report: NabReport, note?: string): NabComparisonRow {
  const standard = report.profiles.find((p) => p.profile === 'standard');
  return {
    detector: report.detector,
    corpus: Object.fromEntries(report.profiles.map((p) => [p.profile, p.corpus.score])),
    realTweetsOwn: standard?.categoryOwn[HELD_OUT_CATEGORY]?.score,
    realTweetsHeldOut: standard?.heldOut?.score,
    ...(note !== undefined ? { note } : {}),
  };
}

const fmt = (x: number | undefined, width: number) => (x === undefined ? '-' : x.toFixed(1)).padStart(width);

/** The detectors side by side, sorted by corpus standard score (ours marked). */
export function formatComparison(rows: readonly NabComparisonRow[], profiles: readonly string[], ours: string): string {
  const sorted = [...rows].sort((a, b) => (b.corpus['standard'] ?? -Infinity) - (a.corpus['standard'] ?? -Infinity));
  const head = `${'detector'.padEnd(20)}${profiles.map((p) => p.padStart(20)).join('')}${'realTweets'.padStart(12)}${'rT held-out'.padStart(13)}`;
  const lines = sorted.map((r) => {
    const name = (r.detector === ours ? `> ${r.detector}` : `  ${r.detector}`).padEnd(20);
    return `${name}${profiles.map((p) => fmt(r.corpus[p], 20)).join('')}${fmt(r.realTweetsOwn, 12)}${fmt(r.realTweetsHeldOut, 13)}${r.note !== undefined ? `  ${r.note}` : ''}`;
  });
  return [head, ...lines].join('\n');
}

/** Per category for one detector: the share at the corpus threshold and the category alone. */
export function formatCategories(report: NabReport): string {
  const profiles = report.profiles.map((p) => p.profile);
  const head = `${'category'.padEnd(32)}${profiles.map((p) => `${p} (share / own)`.padStart(34)).join('')}`;
  const lines = report.categories.map((c) => {
    const cells = report.profiles.map((p) => {
      const share = p.categoryShare[c]!;
      const own = p.categoryOwn[c]!;
      const text = share.score === undefined ? `${share.falsePositiveRows} FP rows / ${own.falsePositiveRows}` : `${share.score.toFixed(1)} / ${own.score!.toFixed(1)}`;
      return text.padStart(34);
    });
    return `${c.padEnd(32)}${cells.join('')}`;
  });
  const heldOut = report.profiles.map((p) => (p.heldOut?.score === undefined ? '-' : `${p.heldOut.score.toFixed(1)} (θ ${p.heldOut.threshold.toPrecision(6)})`).padStart(34));
  if (report.profiles.every((p) => p.heldOut === undefined)) return [head, ...lines].join('\n');
  return [head, ...lines, `${`${HELD_OUT_CATEGORY}, θ from the others`.padEnd(32)}${heldOut.join('')}`].join('\n');
}
