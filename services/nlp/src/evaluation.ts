/**
 * Scores the text understanding against labelled examples: outage-intent precision and recall,
 * service attribution (the exact set of services of a post), problem accuracy and language
 * detection, overall, per language and per kind of case. Pure: `npm run nlp:eval`
 * (bench/nlp.bench.ts) prints and stores what this computes.
 */
import type { LabelledExample } from './labelled-set';
import { LABELLED_KINDS, LABELLED_LANGUAGES } from './labelled-set';
import type { Understanding } from './understanding';

export interface EvaluationMiss {
  readonly split: LabelledExample['split'];
  readonly line: number;
  readonly lang: string;
  readonly kind: string;
  readonly text: string;
  readonly what: 'outage' | 'services' | 'problem' | 'language';
  readonly expected: string;
  readonly got: string;
}

/** Figures of one group of examples. Ratios over an empty denominator are null ("not applicable"), never 1. */
export interface Scores {
  readonly examples: number;
  readonly outagePositives: number;
  readonly outagePrecision: number | null;
  readonly outageRecall: number | null;
  /** Share of examples whose set of services is exactly the labelled set (an empty set included). */
  readonly attribution: number | null;
  /** Share of labelled outage examples, also read as outages, whose problem category matches. */
  readonly problemAccuracy: number | null;
  /** Share of examples whose detected language is the labelled one. */
  readonly languageAccuracy: number | null;
  /** Share of examples whose outage reading is right (for kinds that are all negatives, where recall means nothing). */
  readonly outageAccuracy: number | null;
}

export interface EvaluationReport extends Scores {
  readonly byLanguage: Readonly<Record<string, Scores>>;
  readonly byKind: Readonly<Record<string, Scores>>;
  readonly misses: readonly EvaluationMiss[];
}

interface Tally {
  examples: number;
  tp: number;
  fp: number;
  fn: number;
  correctOutage: number;
  servicesRight: number;
  problemScored: number;
  problemRight: number;
  languageRight: number;
}

const emptyTally = (): Tally => ({ examples: 0, tp: 0, fp: 0, fn: 0, correctOutage: 0, servicesRight: 0, problemScored: 0, problemRight: 0, languageRight: 0 });

function scoresOf(t: Tally): Scores {
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    examples: t.examples,
    outagePositives: t.tp + t.fn,
    outagePrecision: ratio(t.tp, t.tp + t.fp),
    outageRecall: ratio(t.tp, t.tp + t.fn),
    attribution: ratio(t.servicesRight, t.examples),
    problemAccuracy: ratio(t.problemRight, t.problemScored),
    languageAccuracy: ratio(t.languageRight, t.examples),
    outageAccuracy: ratio(t.correctOutage, t.examples),
  };
}

/** The labelled language against the detected one: romanised Hindi is labelled hi-Latn and detected as such. */
function languageMatches(labelled: string, detected: string): boolean {
  return labelled === detected;
}

export function evaluateUnderstanding(understanding: Understanding, examples: readonly LabelledExample[]): EvaluationReport {
  const total = emptyTally();
  const byLanguage = new Map<string, Tally>();
  const byKind = new Map<string, Tally>();
  const misses: EvaluationMiss[] = [];
  for (const example of examples) {
    const understood = understanding.understandPost({ id: `${example.split}-${example.line}`, text: example.text });
    const expected = [...example.services].sort().join(',');
    const got = understood.services.map((s) => s.serviceId).sort().join(',');
    const languageRight = languageMatches(example.lang, understood.language);
    const tallies = [total, getOrAdd(byLanguage, example.lang), getOrAdd(byKind, example.kind)];
    for (const t of tallies) {
      t.examples++;
      if (understood.outage && example.outage) t.tp++;
      else if (understood.outage) t.fp++;
      else if (example.outage) t.fn++;
      if (understood.outage === example.outage) t.correctOutage++;
      if (expected === got) t.servicesRight++;
      if (languageRight) t.languageRight++;
      if (example.outage && understood.outage) {
        t.problemScored++;
        if (understood.problem === example.problem) t.problemRight++;
      }
    }
    const miss = (what: EvaluationMiss['what'], e: string, g: string) =>
      misses.push({ split: example.split, line: example.line, lang: example.lang, kind: example.kind, text: example.text, what, expected: e, got: g });
    if (understood.outage !== example.outage) miss('outage', String(example.outage), String(understood.outage));
    if (expected !== got) miss('services', expected, got);
    if (example.outage && understood.outage && understood.problem !== example.problem) miss('problem', example.problem, understood.problem);
    if (!languageRight) miss('language', example.lang, understood.language);
  }
  const ordered = (map: Map<string, Tally>, order: readonly string[]) =>
    Object.fromEntries(order.filter((k) => map.has(k)).map((k) => [k, scoresOf(map.get(k)!)]));
  return {
    ...scoresOf(total),
    byLanguage: ordered(byLanguage, LABELLED_LANGUAGES),
    byKind: ordered(byKind, LABELLED_KINDS),
    misses,
  };
}

function getOrAdd(map: Map<string, Tally>, key: string): Tally {
  let t = map.get(key);
  if (!t) {
    t = emptyTally();
    map.set(key, t);
  }
  return t;
}

const pct = (x: number | null) => (x === null ? '   - ' : `${(x * 100).toFixed(1).padStart(5)}`);

export function formatReport(name: string, report: EvaluationReport): string {
  return (
    `${name}: ${report.examples} examples (${report.outagePositives} outage) | outage precision ${pct(report.outagePrecision)}%, ` +
    `recall ${pct(report.outageRecall)}% | attribution ${pct(report.attribution)}% | problem ${pct(report.problemAccuracy)}% | language ${pct(report.languageAccuracy)}%`
  );
}

/** A table of one grouping (per language or per kind), one row per group. */
export function formatTable(title: string, groups: Readonly<Record<string, Scores>>): string {
  const header = `${title.padEnd(14)} ${'n'.padStart(4)} ${'out'.padStart(4)}  precision  recall  correct  attrib  language`;
  const rows = Object.entries(groups).map(
    ([k, s]) =>
      `${k.padEnd(14)} ${String(s.examples).padStart(4)} ${String(s.outagePositives).padStart(4)}  ${pct(s.outagePrecision).padStart(9)}  ${pct(s.outageRecall).padStart(6)}  ${pct(s.outageAccuracy).padStart(7)}  ${pct(s.attribution).padStart(6)}  ${pct(s.languageAccuracy).padStart(8)}`,
  );
  return [header, ...rows].join('\n');
}
