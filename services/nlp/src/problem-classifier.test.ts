import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CATEGORIES } from '../../../schemas/events/index';
import { loadLabelledSet } from './labelled-set';
import { trainShippedProblemModel } from './problem-model.build';
import { PROBLEM_CATEGORY_LIST } from './problem-categories';
import { problemFeatures, restoreProblemModel, trainProblemModel } from './problem-classifier';
import { tokenise } from './text-tokens';
import { createUnderstanding, PROBLEM_MODEL_PATH } from './understanding';

const featuresOf = (text: string) => {
  const { tokens } = tokenise(text);
  return problemFeatures(tokens, new Uint8Array(tokens.length));
};

describe('problem classifier', () => {
  it('uses exactly the contract categories', () => {
    expect([...PROBLEM_CATEGORY_LIST]).toEqual([...PROBLEM_CATEGORIES]);
  });

  it('scores exactly as natural classifies', () => {
    const model = createUnderstanding().problemModel;
    const { test } = loadLabelledSet();
    let compared = 0;
    for (const e of test) {
      const features = featuresOf(e.text);
      const natural = model.naturalClassifier.getClassifications(features);
      // natural multiplies probabilities and underflows to 0 on long posts; compare where it can decide.
      // Two classes whose products differ only by rounding (relative 1e-12) are a tie in exact arithmetic,
      // which either side may break differently ("ontem o insta caiu mas hoje tá funcionando": other = app).
      const runnerUp = natural[1]?.value ?? 0;
      if (natural[0]!.value === 0 || natural[0]!.value - runnerUp <= natural[0]!.value * 1e-12) continue;
      expect(model.classify(features), e.text).toBe(natural[0]!.label);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('ships a model that matches what the labelled set trains', () => {
    const shipped = JSON.parse(readFileSync(PROBLEM_MODEL_PATH, 'utf8'));
    expect(shipped, 'data/problem-model.json is stale: run npm run build:model --workspace services/nlp').toEqual(
      JSON.parse(JSON.stringify(trainShippedProblemModel())),
    );
  });

  it('survives a round trip through natural’s serialised form', () => {
    const model = trainProblemModel([
      { features: featuresOf("can't log in, password rejected"), problem: 'login' },
      { features: featuresOf('messages not sending'), problem: 'messaging' },
    ]);
    const restored = restoreProblemModel(JSON.parse(JSON.stringify(model.toJSON())));
    for (const text of ['password rejected again', 'my messages are not sending']) {
      expect(restored.classify(featuresOf(text))).toBe(model.classify(featuresOf(text)));
    }
  });

  it('balances classes so that a small class does not win on unknown words', () => {
    const model = trainProblemModel([
      ...Array.from({ length: 20 }, (_, i) => ({ features: featuresOf(`is it down ${i}`), problem: 'other' as const })),
      { features: featuresOf('website blank page'), problem: 'website' },
    ]);
    expect(model.classify(featuresOf('is it down zebra'))).toBe('other');
  });

  it('answers other when it knows none of the words, and respects the allowed list', () => {
    const model = createUnderstanding().problemModel;
    expect(model.classify(featuresOf('zxqv qwzx'))).toBe('other');
    expect(PROBLEM_CATEGORIES).toContain(model.classify(featuresOf('messages not sending')));
    expect(model.classify(featuresOf('messages not sending'), ['login', 'other'])).not.toBe('messaging');
  });
});
