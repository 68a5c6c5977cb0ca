/**
 * Outage intent from the words of a post, for a language whose complaints the cue lexicon cannot
 * list: romanised Hindi has no standard spelling and an open set of ways to say that something
 * is broken ("network gul hai", "laal exclamation aa jata hai", "updating updating hi kar raha").
 *
 * A naive Bayes reading of word presence (Bernoulli over the words seen, Laplace smoothing of 1),
 * trained on the development part of the labelled set: posts of the language that name a
 * service, outage or not. It is consulted only for posts the rules leave undecided (a service
 * named, no cue of either polarity, nothing a neutraliser dropped), and says "outage" only when
 * the words make it at least INTENT_MIN_ODDS to 1. One knob; the rules stay first.
 *
 * Pure: training takes feature lists, scoring takes one feature list.
 */

export interface IntentTrainingDoc {
  /** Distinct words of the post, without the service name. */
  readonly features: readonly string[];
  readonly outage: boolean;
}

export interface IntentModel {
  /** Natural log of the odds that the post says a service is down, from its words. */
  logOdds(features: readonly string[]): number;
  /** How many training posts per class: zero in either class means the model says nothing. */
  readonly documents: { readonly outage: number; readonly other: number };
}

/** The odds the words must give before an undecided post is read as a complaint: 4 to 1. */
export const INTENT_MIN_ODDS = 4;

export function trainIntentModel(docs: readonly IntentTrainingDoc[]): IntentModel {
  const outageCounts = new Map<string, number>();
  const otherCounts = new Map<string, number>();
  let outage = 0;
  let other = 0;
  for (const doc of docs) {
    const counts = doc.outage ? outageCounts : otherCounts;
    if (doc.outage) outage++;
    else other++;
    for (const word of new Set(doc.features)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  // Each word's weight, computed once: log P(word | outage) - log P(word | other).
  const weights = new Map<string, number>();
  for (const word of new Set([...outageCounts.keys(), ...otherCounts.keys()])) {
    const inOutage = ((outageCounts.get(word) ?? 0) + 1) / (outage + 2);
    const inOther = ((otherCounts.get(word) ?? 0) + 1) / (other + 2);
    weights.set(word, Math.log(inOutage) - Math.log(inOther));
  }
  const prior = outage > 0 && other > 0 ? Math.log(outage / other) : 0;
  return {
    documents: { outage, other },
    logOdds(features) {
      if (outage === 0 || other === 0) return 0;
      let sum = prior;
      // Unseen words say nothing either way.
      for (const word of new Set(features)) sum += weights.get(word) ?? 0;
      return sum;
    },
  };
}

/** The model's verdict for an undecided post: a complaint when the odds reach INTENT_MIN_ODDS. */
export function saysOutage(model: IntentModel, features: readonly string[]): boolean {
  return model.logOdds(features) >= Math.log(INTENT_MIN_ODDS);
}
