/**
 * The hand-labelled posts in data/labelled/: what trains the problem classifier and what scores
 * the whole text understanding. Labelling rules are in data/README.md.
 *
 * Two files, two parts:
 *  - dev.jsonl: the development part. Rules and lexicons are tuned by reading its misses, and
 *    the problem classifier is trained on it.
 *  - test.jsonl: the test part, written before the rules it measures and never tuned on: its
 *    misses are not looked at to change a rule. `npm run nlp:eval` reports it as it is.
 * No text is in both (a unit test checks).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProblemCategory } from '../../../schemas/events/index';
import { PROBLEM_CATEGORY_LIST as PROBLEM_CATEGORIES } from './problem-categories';

export const LABELLED_DEV_PATH = fileURLToPath(new URL('../data/labelled/dev.jsonl', import.meta.url));
export const LABELLED_TEST_PATH = fileURLToPath(new URL('../data/labelled/test.jsonl', import.meta.url));

/** The languages of the set; romanised Hindi is its own bucket beside Devanagari Hindi. */
export const LABELLED_LANGUAGES = ['en', 'es', 'pt', 'fr', 'de', 'it', 'tr', 'id', 'ja', 'ar', 'hi', 'hi-Latn', 'ru'] as const;
export type LabelledLanguage = (typeof LABELLED_LANGUAGES)[number];

/**
 * What makes a post easy or hard. `plain` (a complaint in the usual words) and `chatter` (a
 * service named, nothing said about its state) are the easy kinds; every other kind is a hard case.
 */
export const LABELLED_KINDS = [
  'plain', 'chatter', 'nickname', 'script', 'error', 'implicit', 'noisy', 'ambiguous', 'false-friend', 'past', 'hypothetical',
  'works-for-me', 'news', 'postmortem', 'delivery',
] as const;
export type LabelledKind = (typeof LABELLED_KINDS)[number];
export const EASY_KINDS: ReadonlySet<LabelledKind> = new Set(['plain', 'chatter']);

export type LabelledSplit = 'dev' | 'test';

export interface LabelledExample {
  readonly text: string;
  readonly lang: LabelledLanguage;
  readonly kind: LabelledKind;
  /** Catalog ids the post refers to, whatever it says about them. */
  readonly services: readonly string[];
  /** The author says (or asks whether) one of those services is not working now. */
  readonly outage: boolean;
  /** The kind of problem for outage posts; 'other' for the rest. */
  readonly problem: ProblemCategory;
  readonly split: LabelledSplit;
  /** 1-based line in its file, for messages. */
  readonly line: number;
}

export function loadLabelledFile(path: string, split: LabelledSplit): LabelledExample[] {
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
        !PROBLEM_CATEGORIES.includes(value.problem as ProblemCategory) ||
        !(LABELLED_LANGUAGES as readonly string[]).includes(value.lang as string) ||
        !(LABELLED_KINDS as readonly string[]).includes(value.kind as string)
      ) {
        throw new Error(`${path}:${line}: expected {text, lang, kind, services: [ids], outage: boolean, problem}`);
      }
      examples.push({
        text: value.text,
        lang: value.lang as LabelledLanguage,
        kind: value.kind as LabelledKind,
        services: value.services,
        outage: value.outage,
        problem: value.problem as ProblemCategory,
        split,
        line,
      });
    });
  return examples;
}

/** Both parts: `dev` to tune and train on, `test` to measure only. */
export function loadLabelledSet(): { dev: LabelledExample[]; test: LabelledExample[] } {
  return { dev: loadLabelledFile(LABELLED_DEV_PATH, 'dev'), test: loadLabelledFile(LABELLED_TEST_PATH, 'test') };
}

export function isHardCase(example: Pick<LabelledExample, 'kind'>): boolean {
  return !EASY_KINDS.has(example.kind);
}
