import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { PROBLEM_CATEGORIES } from '../../../schemas/events/index';
import { evaluateUnderstanding, formatReport, formatTable, type EvaluationReport } from './evaluation';
import { isHardCase, LABELLED_LANGUAGES, loadLabelledSet, type LabelledExample } from './labelled-set';
import { createUnderstanding, type Understanding, type Understood } from './understanding';

const { dev, test } = loadLabelledSet();
const all = [...dev, ...test];

describe('labelled set', () => {
  it('holds at least 1,500 posts in 12 languages (Hindi in both scripts), half of them hard cases', () => {
    expect(all.length).toBeGreaterThanOrEqual(1500);
    for (const lang of LABELLED_LANGUAGES) {
      const posts = all.filter((e) => e.lang === lang);
      expect(posts.length, lang).toBeGreaterThanOrEqual(60);
      expect(posts.filter((e) => e.outage).length, `${lang} outages`).toBeGreaterThanOrEqual(30);
      expect(posts.filter((e) => !e.outage).length, `${lang} non-outages`).toBeGreaterThanOrEqual(25);
    }
    expect(all.filter(isHardCase).length).toBeGreaterThanOrEqual(all.length / 2);
  });

  it('has a test part in every language, mostly hard cases, with every kind of not-a-complaint', () => {
    for (const lang of LABELLED_LANGUAGES) expect(test.filter((e) => e.lang === lang).length, lang).toBeGreaterThanOrEqual(30);
    expect(test.filter(isHardCase).length).toBeGreaterThanOrEqual(test.length / 2);
    for (const kind of ['past', 'hypothetical', 'works-for-me', 'news', 'postmortem', 'delivery'] as const) {
      const posts = test.filter((e) => e.kind === kind);
      expect(posts.length, kind).toBeGreaterThanOrEqual(10);
      expect(posts.every((e) => !e.outage), `${kind} posts are not outages`).toBe(true);
    }
    for (const kind of ['nickname', 'script', 'error', 'implicit'] as const) {
      expect(test.filter((e) => e.kind === kind && e.outage).length, kind).toBeGreaterThanOrEqual(10);
    }
  });

  it('names only catalog services, labels non-outages as other, and has no text in both parts', () => {
    const catalog = loadCatalog();
    for (const e of all) {
      for (const id of e.services) expect(catalog.byId.has(id), `${e.split} line ${e.line}: ${id}`).toBe(true);
      if (!e.outage) expect(e.problem, `${e.split} line ${e.line}`).toBe('other');
      if (e.outage) expect(e.services.length, `${e.split} line ${e.line}`).toBeGreaterThan(0);
    }
    const devTexts = new Set(dev.map((e) => e.text.toLowerCase().trim()));
    expect(test.filter((e) => devTexts.has(e.text.toLowerCase().trim())).map((e) => e.text)).toEqual([]);
    const outage = dev.filter((e) => e.outage);
    for (const p of PROBLEM_CATEGORIES) expect(outage.filter((e) => e.problem === p).length, p).toBeGreaterThanOrEqual(30);
  });
});

describe('evaluateUnderstanding', () => {
  /** A fake understanding that answers from a table, so that every ratio can be checked by hand. */
  const fake = (answers: Record<string, Partial<Understood>>): Understanding =>
    ({
      understandPost: (post: { text: string }) => ({ postId: 'x', language: 'en', hashtags: [], outage: false, problem: 'other', services: [], ...answers[post.text] }),
    }) as unknown as Understanding;
  const example = (text: string, lang: LabelledExample['lang'], kind: LabelledExample['kind'], outage: boolean, services: string[]): LabelledExample => ({
    text, lang, kind, outage, services, problem: outage ? 'app' : 'other', split: 'dev', line: 1,
  });
  const reading = (serviceId: string, outage: boolean) => ({ serviceId, kind: 'mention' as const, outage, problem: 'app' as const, confidence: 0.9, evidence: [] });

  it('counts precision, recall and attribution overall, per language and per kind', () => {
    const examples = [
      example('a', 'en', 'plain', true, ['facebook']),
      example('b', 'en', 'plain', true, ['facebook']),
      example('c', 'pt', 'past', false, ['whatsapp']),
      example('d', 'pt', 'nickname', true, ['whatsapp']),
    ];
    const report = evaluateUnderstanding(
      fake({
        a: { outage: true, problem: 'app', services: [reading('facebook', true)] },
        b: { outage: false, services: [] },
        c: { outage: true, language: 'pt', services: [reading('whatsapp', true)] },
        d: { outage: true, language: 'es', problem: 'login', services: [reading('whatsapp', true)] },
      }),
      examples,
    );
    expect(report).toMatchObject({ examples: 4, outagePositives: 3, outagePrecision: 0.6667, outageRecall: 0.6667, attribution: 0.75, problemAccuracy: 0.5, languageAccuracy: 0.75 });
    expect(report.byLanguage.en).toMatchObject({ examples: 2, outagePrecision: 1, outageRecall: 0.5, attribution: 0.5, languageAccuracy: 1 });
    expect(report.byLanguage.pt).toMatchObject({ examples: 2, outagePrecision: 0.5, outageRecall: 1, attribution: 1, languageAccuracy: 0.5 });
    // A kind with only negatives has no recall, and its precision is 0 when one was read as an outage.
    expect(report.byKind.past).toMatchObject({ examples: 1, outageRecall: null, outagePrecision: 0, outageAccuracy: 0 });
    expect(report.misses.map((m) => `${m.what}:${m.expected}>${m.got}`)).toEqual([
      'outage:true>false',
      'services:facebook>',
      'outage:false>true',
      'problem:app>login',
      'language:pt>es',
    ]);
    expect(formatReport('x', report)).toContain('precision  66.7%');
    expect(formatTable('language', report.byLanguage).split('\n')).toHaveLength(3);
  });

  it('answers null, not 1, where nothing can be counted', () => {
    const report = evaluateUnderstanding(fake({}), [example('z', 'de', 'chatter', false, [])]);
    expect(report.outagePrecision).toBeNull();
    expect(report.outageRecall).toBeNull();
    expect(report.problemAccuracy).toBeNull();
    expect(report.attribution).toBe(1);
  });
});

describe('the labelled set, read by the text understanding', () => {
  let devReport: EvaluationReport;
  let testReport: EvaluationReport;
  beforeAll(() => {
    const understanding = createUnderstanding();
    devReport = evaluateUnderstanding(understanding, dev);
    testReport = evaluateUnderstanding(understanding, test);
    console.log(formatReport('dev', devReport));
    console.log(formatReport('test', testReport));
    console.log(formatTable('test language', testReport.byLanguage));
    // Reading 2,494 posts takes well under a second alone; the whole suite on two busy cores can take far longer.
  }, 120_000);

  it('meets the targets on the test part overall: outage precision >= 0.97, recall >= 0.95, attribution >= 0.95', () => {
    expect(testReport.outagePrecision).toBeGreaterThanOrEqual(0.97);
    expect(testReport.outageRecall).toBeGreaterThanOrEqual(0.95);
    expect(testReport.attribution).toBeGreaterThanOrEqual(0.95);
  });

  it('meets the target of 0.9 recall in every language of the test part', () => {
    // Romanised Hindi and German stand at 0.905 (19 of 21): one more miss in either fails this.
    for (const [lang, scores] of Object.entries(testReport.byLanguage)) {
      expect(scores.outageRecall, lang).toBeGreaterThanOrEqual(0.9);
      expect(scores.outagePrecision, lang).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('reads the development part it was tuned on almost perfectly (a floor against regressions)', () => {
    expect(devReport.outagePrecision).toBeGreaterThanOrEqual(0.98);
    expect(devReport.outageRecall).toBeGreaterThanOrEqual(0.98);
    expect(devReport.attribution).toBeGreaterThanOrEqual(0.97);
  });

  it('detects the language of most posts', () => {
    expect(testReport.languageAccuracy).toBeGreaterThanOrEqual(0.9);
  });
});
