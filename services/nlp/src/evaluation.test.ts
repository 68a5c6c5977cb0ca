import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { PROBLEM_CATEGORIES } from '../../../schemas/events/index';
import { evaluateUnderstanding, formatReport, type EvaluationReport } from './evaluation';
import { loadLabelledSet, splitLabelledSet } from './labelled-set';
import { createUnderstanding } from './understanding';

const examples = loadLabelledSet();
const { training, heldOut } = splitLabelledSet(examples);

describe('labelled set', () => {
  it('is large enough and covers what the issue asks for', () => {
    expect(examples.length).toBeGreaterThanOrEqual(600);
    const outage = examples.filter((e) => e.outage);
    for (const p of PROBLEM_CATEGORIES) expect(outage.filter((e) => e.problem === p).length, p).toBeGreaterThanOrEqual(30);
    expect(examples.filter((e) => !e.outage).length, 'hard negatives and chatter').toBeGreaterThanOrEqual(200);
    expect(examples.filter((e) => e.services.length === 0).length, 'posts about no service').toBeGreaterThanOrEqual(40);
    for (const word of ['caído', 'no funciona', 'fora do ar', 'caiu', 'panne', 'ne marche pas', 'geht nicht', 'Störung', 'funktioniert nicht']) {
      expect(examples.some((e) => e.outage && e.text.toLowerCase().includes(word.toLowerCase())), word).toBe(true);
    }
  });

  it('names only catalog services and labels non-outages as other', () => {
    const catalog = loadCatalog();
    for (const e of examples) {
      for (const id of e.services) expect(catalog.byId.has(id), `line ${e.line}: ${id}`).toBe(true);
      if (!e.outage) expect(e.problem, `line ${e.line}`).toBe('other');
      if (e.outage) expect(e.services.length, `line ${e.line}`).toBeGreaterThan(0);
    }
  });

  it('holds out every fifth line, with no text in both parts', () => {
    expect(heldOut.length).toBe(Math.floor(examples.length / 5));
    expect(heldOut.every((e) => e.line % 5 === 0)).toBe(true);
    const trainingTexts = new Set(training.map((e) => e.text.toLowerCase().trim()));
    expect(heldOut.filter((e) => trainingTexts.has(e.text.toLowerCase().trim()))).toEqual([]);
    // The held-out part must not be the easy part: it has negatives, several languages and several services per post.
    expect(heldOut.filter((e) => !e.outage).length).toBeGreaterThanOrEqual(30);
    const nonEnglish = /[áâãàçéêíóôõúüöä]|\b(no|nao|ne|nicht|geht|panne|caiu|fora|funciona|sem|sin)\b/i;
    expect(heldOut.filter((e) => nonEnglish.test(e.text)).length).toBeGreaterThanOrEqual(15);
    expect(heldOut.filter((e) => e.services.length > 1).length).toBeGreaterThanOrEqual(5);
  });
});

describe('held-out evaluation (never trained on)', () => {
  let report: EvaluationReport;
  beforeAll(() => {
    report = evaluateUnderstanding(createUnderstanding(), heldOut);
    console.log(formatReport('held-out part', report));
    for (const miss of report.misses) console.log(`  miss line ${miss.line} ${miss.what}: expected ${miss.expected || '(none)'}, got ${miss.got || '(none)'}: ${miss.text}`);
  });

  it('reads outage intent with precision >= 0.95 and recall >= 0.90', () => {
    expect(report.outagePrecision).toBeGreaterThanOrEqual(0.95);
    expect(report.outageRecall).toBeGreaterThanOrEqual(0.9);
  });

  it('attributes services with accuracy >= 0.95', () => {
    expect(report.serviceAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('classifies the problem of most outage posts (no target; a floor against regressions)', () => {
    expect(report.problemAccuracy).toBeGreaterThanOrEqual(0.6);
  });
});
