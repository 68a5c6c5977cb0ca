/**
 * Scores the text understanding against labelled examples: outage-intent precision and recall,
 * service attribution accuracy, and problem accuracy. Used by the held-out test and by anyone
 * tuning the lexicon (`npx tsx services/nlp/src/evaluation.ts` prints the held-out report and
 * every miss).
 */
import type { LabelledExample } from './labelled-set';
import { loadLabelledSet, splitLabelledSet } from './labelled-set';
import type { Understanding } from './understanding';
import { createUnderstanding } from './understanding';

export interface EvaluationMiss {
  readonly line: number;
  readonly text: string;
  readonly what: 'outage' | 'services' | 'problem';
  readonly expected: string;
  readonly got: string;
}

export interface EvaluationReport {
  readonly examples: number;
  readonly outagePositives: number;
  readonly outagePrecision: number;
  readonly outageRecall: number;
  /** Share of examples whose set of services is exactly the labelled set (an empty set included). */
  readonly serviceAccuracy: number;
  /** Share of labelled outage examples, also read as outages, whose problem category matches. */
  readonly problemAccuracy: number;
  readonly misses: readonly EvaluationMiss[];
}

export function evaluateUnderstanding(understanding: Understanding, examples: readonly LabelledExample[]): EvaluationReport {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  let servicesRight = 0;
  let problemScored = 0;
  let problemRight = 0;
  const misses: EvaluationMiss[] = [];
  for (const example of examples) {
    const understood = understanding.understandPost({ id: `line-${example.line}`, text: example.text });
    if (understood.outage && example.outage) truePositive++;
    else if (understood.outage) falsePositive++;
    else if (example.outage) falseNegative++;
    if (understood.outage !== example.outage) {
      misses.push({ line: example.line, text: example.text, what: 'outage', expected: String(example.outage), got: String(understood.outage) });
    }
    const expected = [...example.services].sort().join(',');
    const got = understood.services.map((s) => s.serviceId).sort().join(',');
    if (expected === got) servicesRight++;
    else misses.push({ line: example.line, text: example.text, what: 'services', expected, got });
    if (example.outage && understood.outage) {
      problemScored++;
      if (understood.problem === example.problem) problemRight++;
      else misses.push({ line: example.line, text: example.text, what: 'problem', expected: example.problem, got: understood.problem });
    }
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  return {
    examples: examples.length,
    outagePositives: truePositive + falseNegative,
    outagePrecision: ratio(truePositive, truePositive + falsePositive),
    outageRecall: ratio(truePositive, truePositive + falseNegative),
    serviceAccuracy: ratio(servicesRight, examples.length),
    problemAccuracy: ratio(problemRight, problemScored),
    misses,
  };
}

export function formatReport(name: string, report: EvaluationReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    `${name}: ${report.examples} examples (${report.outagePositives} outage) | outage intent precision ${pct(report.outagePrecision)}, ` +
    `recall ${pct(report.outageRecall)} | service attribution accuracy ${pct(report.serviceAccuracy)} | problem accuracy ${pct(report.problemAccuracy)}`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { training, heldOut } = splitLabelledSet(loadLabelledSet());
  const understanding = createUnderstanding();
  const part = process.argv[2] === 'training' ? training : heldOut;
  const report = evaluateUnderstanding(understanding, part);
  for (const miss of report.misses) console.log(`${miss.line}\t${miss.what}\texpected ${miss.expected}\tgot ${miss.got}\t${miss.text}`);
  console.log(formatReport(process.argv[2] === 'training' ? 'training part' : 'held-out part', report));
}
