/**
 * Which kind of problem an outage post describes (login, app, server_connection, messaging,
 * website, other), by natural's naive Bayes classifier trained on data/labelled/dev.jsonl.
 *
 * Training is natural's (`BayesClassifier.addDocument` / `train`); its learned model is shipped
 * in natural's own serialised form as data/problem-model.json (without the training documents),
 * because training at load takes 0.5-1.5 s (natural's `train` builds a dense vector over the whole
 * vocabulary for every document) and the library must load in well under a second.
 * `npm run build:model --workspace services/nlp` rewrites it; a unit test fails when it no longer
 * matches what the labelled set and the catalog would train.
 *
 * Scoring reads the learned counts (`classFeatures`, `classTotals`, `totalExamples`, `smoothing`)
 * into a Map from feature to per-class log-probability: the same formula as apparatus's
 * `probabilityOfClass`, summed in log space over only the features present, instead of natural's
 * dense vector per call (20-50 µs, the whole budget of a post at 20,000 posts/s). A unit test
 * checks both give the same label.
 *
 * Features are Porter stems of the words left once service names are removed (so "whatsapp"
 * does not drag every post towards `messaging`), plus stem bigrams so that "can't log" and
 * "log in" weigh more than "log" alone. Choices (bigrams, stemming, class balancing, smoothing)
 * were made by 5-fold cross-validation on the training part only.
 */
import type { ProblemCategory } from '../../../schemas/events/index';
import { PROBLEM_CATEGORY_LIST as PROBLEM_CATEGORIES } from './problem-categories';
import { BayesClassifier, PorterStemmer } from './natural-parts';
import type { Token } from './text-tokens';

/** Per-class log scores of one post, computed once and read for each service's own problem list. */
export interface ProblemScores {
  readonly scores: Float64Array;
  /** At least one feature was known to the model; without one every guess is the prior. */
  readonly informed: boolean;
}

export interface ProblemModel {
  score(features: readonly string[]): ProblemScores;
  /** The best category among `allowed` (default: all); 'other' when the post said nothing the model knows. */
  best(scores: ProblemScores, allowed?: readonly ProblemCategory[]): ProblemCategory;
  /** Shorthand for best(score(features), allowed). */
  classify(features: readonly string[], allowed?: readonly ProblemCategory[]): ProblemCategory;
  /** The natural classifier the model came from, kept for inspection and for the agreement test. */
  readonly naturalClassifier: BayesClassifier;
  readonly vocabularySize: number;
  /** natural's serialised form without its training documents: what data/problem-model.json holds. */
  toJSON(): SerializedProblemModel;
}

export interface SerializedProblemModel {
  readonly features: Record<string, number>;
  readonly classifier: {
    readonly classFeatures: Record<string, Record<string, number>>;
    readonly classTotals: Record<string, number>;
    readonly totalExamples: number;
    readonly smoothing: number;
  };
}

export interface ProblemTrainingDoc {
  readonly features: readonly string[];
  readonly problem: ProblemCategory;
}

/** Below natural's default of 1: chosen by cross-validation (0.757 vs 0.744 on the training folds). */
export const PROBLEM_SMOOTHING = 0.1;

const ENGLISH_WORD = /^[a-z]+$/;

function stemOf(word: string): string {
  // Porter is for English; on other languages it only trims endings, which is still a useful folding.
  return word.length > 3 && ENGLISH_WORD.test(word) ? PorterStemmer.stem(word) : word;
}

/** A token's stem: its key's, kept on the key's facts record (text-tokens.ts); a hashtag is stemmed without its underscores. */
function stemOfToken(t: Token): string {
  if (t.kind === 'hashtag' && t.key.includes('_')) return stemOf(t.key.replace(/_/g, ''));
  return t.facts.stem ?? (t.facts.stem = stemOf(t.key));
}

/**
 * The classifier's features for a post: stems of the word tokens not marked in `excluded`
 * (service names), and bigrams of consecutive kept stems within a sentence.
 */
export function problemFeatures(tokens: readonly Token[], excluded: Uint8Array): string[] {
  const features: string[] = [];
  let previous: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'boundary' || excluded[i] || t.kind === 'handle') {
      previous = undefined;
      continue;
    }
    if (t.kind === 'symbol') continue;
    const stem = stemOfToken(t);
    if (stem.length === 0) continue;
    features.push(stem);
    if (previous !== undefined) features.push(`${previous}_${stem}`);
    previous = stem;
  }
  return features;
}

/**
 * Repeats the documents of the smaller classes until every class has as many as the largest.
 *
 * apparatus's Bayes scores a feature a class has never seen as smoothing / (documents in the
 * class), so without balancing a small class ('website', 33 training examples) beats a large
 * one ('other', 180) on any post with words neither has seen: cross-validated accuracy 0.67
 * unbalanced, 0.74 balanced. The price is a uniform prior, which for six classes we accept.
 */
function balanceClasses(docs: readonly ProblemTrainingDoc[]): ProblemTrainingDoc[] {
  const byClass = new Map<ProblemCategory, ProblemTrainingDoc[]>();
  for (const doc of docs) {
    if (doc.features.length === 0) continue;
    const list = byClass.get(doc.problem) ?? [];
    list.push(doc);
    byClass.set(doc.problem, list);
  }
  const largest = Math.max(0, ...[...byClass.values()].map((l) => l.length));
  const balanced: ProblemTrainingDoc[] = [];
  for (const problem of PROBLEM_CATEGORIES) {
    const list = byClass.get(problem);
    if (list) for (let i = 0; i < largest; i++) balanced.push(list[i % list.length]!);
  }
  return balanced;
}

export function trainProblemModel(docs: readonly ProblemTrainingDoc[]): ProblemModel {
  const classifier = new BayesClassifier(undefined, PROBLEM_SMOOTHING);
  for (const doc of balanceClasses(docs)) classifier.addDocument([...doc.features], doc.problem);
  classifier.train();
  return modelFrom(classifier);
}

/** The shipped model, back in natural's classes. */
export function restoreProblemModel(serialised: SerializedProblemModel): ProblemModel {
  const classifier = BayesClassifier.restore({ ...structuredClone(serialised), docs: [], lastAdded: 0 } as unknown as Record<string, unknown>);
  return modelFrom(classifier);
}

function modelFrom(classifier: BayesClassifier): ProblemModel {
  const { classFeatures, classTotals, totalExamples, smoothing } = classifier.classifier;
  const labels = PROBLEM_CATEGORIES.filter((p) => classTotals[p] !== undefined);
  const logPrior = Float64Array.from(labels, (l) => Math.log(classTotals[l]! / totalExamples));
  const featureLogProbabilities = new Map<string, Float64Array>();
  Object.keys(classifier.features).forEach((feature, index) => {
    featureLogProbabilities.set(
      feature,
      Float64Array.from(labels, (l) => Math.log((classFeatures[l]![index] ?? smoothing) / classTotals[l]!)),
    );
  });
  const allLabels: readonly ProblemCategory[] = labels;

  const model: ProblemModel = {
    naturalClassifier: classifier,
    vocabularySize: featureLogProbabilities.size,
    score(features) {
      // A copy of the prior; Float64Array.from would walk it through the iterator protocol.
      const scores = new Float64Array(logPrior);
      let informed = false;
      // natural counts a feature once however often it occurs; so do we. indexOf is the cheapest
      // check on the short lists of real posts; a Set takes over for long ones.
      const seen = features.length > 64 ? new Set<string>() : undefined;
      for (let i = 0; i < features.length; i++) {
        const f = features[i]!;
        const logProbabilities = featureLogProbabilities.get(f);
        if (!logProbabilities) continue;
        if (seen ? seen.has(f) : features.indexOf(f) !== i) continue;
        seen?.add(f);
        informed = true;
        for (let k = 0; k < labels.length; k++) scores[k]! += logProbabilities[k]!;
      }
      return { scores, informed };
    },
    best({ scores, informed }, allowed = allLabels) {
      if (!informed) return 'other';
      let best = -1;
      for (let k = 0; k < labels.length; k++) {
        if (allowed !== allLabels && !allowed.includes(labels[k]!)) continue;
        if (best < 0 || scores[k]! > scores[best]!) best = k;
      }
      return best < 0 ? 'other' : labels[best]!;
    },
    classify(features, allowed) {
      return model.best(model.score(features), allowed);
    },
    toJSON() {
      return {
        features: classifier.features,
        classifier: { classFeatures, classTotals, totalExamples, smoothing },
      } as SerializedProblemModel;
    },
  };
  return model;
}
