/**
 * Writes data/problem-model.json: the problem classifier trained on the development part of the
 * labelled set (data/labelled/dev.jsonl; never on the test part), in natural's serialised form without the training documents. Run it after
 * editing the labelled set or the catalog: `npm run build:model --workspace services/nlp`.
 */
import { writeFileSync } from 'node:fs';
import { loadLabelledSet } from './labelled-set';
import { createUnderstanding, PROBLEM_MODEL_PATH } from './understanding';

export function trainShippedProblemModel() {
  return createUnderstanding({ trainingExamples: loadLabelledSet().dev }).problemModel.toJSON();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(PROBLEM_MODEL_PATH, `${JSON.stringify(trainShippedProblemModel())}\n`);
  console.log(`wrote ${PROBLEM_MODEL_PATH}`);
}
