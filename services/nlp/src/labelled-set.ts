/**
 * The hand-labelled posts in data/labelled.jsonl: what trains the problem classifier and what
 * scores the whole text understanding. Labelling rules are in data/README.md.
 *
 * The split is deterministic and by line: every fifth line (lines 5, 10, 15, ...) is held out and
 * never trained on. The file is grouped by theme (login, app, ..., hard negatives, multilingual),
 * so every theme lands in both parts in the same proportion.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProblemCategory } from '../../../schemas/events/index';
import { PROBLEM_CATEGORY_LIST as PROBLEM_CATEGORIES } from './problem-categories';

export const LABELLED_SET_PATH = fileURLToPath(new URL('../data/labelled.jsonl', import.meta.url));
export const HELD_OUT_EVERY = 5;

export interface LabelledExample {
  readonly text: string;
  /** Catalog ids the post refers to, whatever it says about them. */
  readonly services: readonly string[];
  /** The author says (or asks whether) one of those services is not working now. */
  readonly outage: boolean;
  /** The kind of problem for outage posts; 'other' for the rest. */
  readonly problem: ProblemCategory;
  /** 1-based line in the file, for messages. */
  readonly line: number;
}

export function loadLabelledSet(path: string = LABELLED_SET_PATH): LabelledExample[] {
  const examples: LabelledExample[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      if (raw.trim() === '') return;
      const line = index + 1;
      const value = JSON.parse(raw) as Partial<LabelledExample>;
      if (
        typeof value.text !== 'string' ||
        !Array.isArray(value.services) ||
        typeof value.outage !== 'boolean' ||
        !PROBLEM_CATEGORIES.includes(value.problem as ProblemCategory)
      ) {
        throw new Error(`${path}:${line}: expected {text, services: [ids], outage: boolean, problem}`);
      }
      examples.push({ text: value.text, services: value.services, outage: value.outage, problem: value.problem as ProblemCategory, line });
    });
  return examples;
}

export function isHeldOut(example: LabelledExample): boolean {
  return example.line % HELD_OUT_EVERY === 0;
}

export function splitLabelledSet(examples: readonly LabelledExample[]): { training: LabelledExample[]; heldOut: LabelledExample[] } {
  return { training: examples.filter((e) => !isHeldOut(e)), heldOut: examples.filter(isHeldOut) };
}
