import { describe, expect, it } from 'vitest';
import { INTENT_MIN_ODDS, saysOutage, trainIntentModel } from './intent-model';
import { createUnderstanding } from './understanding';

describe('intent model (naive Bayes over word presence)', () => {
  const model = trainIntentModel([
    { features: ['net', 'gul', 'hai'], outage: true },
    { features: ['network', 'gul', 'subah', 'se'], outage: true },
    { features: ['error', 'aa', 'raha'], outage: true },
    { features: ['naya', 'gaana', 'aaya'], outage: false },
    { features: ['follow', 'karo', 'mujhe'], outage: false },
  ]);

  it('weighs words seen with complaints against words seen with other posts', () => {
    expect(model.documents).toEqual({ outage: 3, other: 2 });
    // gul: in 2 of 3 complaints, 0 of 2 others: (2+1)/(3+2) against (0+1)/(2+2).
    const prior = Math.log(3 / 2);
    expect(model.logOdds(['gul'])).toBeCloseTo(prior + Math.log(3 / 5) - Math.log(1 / 4), 10);
    expect(model.logOdds(['gaana'])).toBeLessThan(prior);
  });

  it('gives unseen words and repeated words no weight of their own', () => {
    expect(model.logOdds(['qwerty'])).toBeCloseTo(Math.log(3 / 2), 10);
    expect(model.logOdds(['gul', 'gul', 'gul'])).toBeCloseTo(model.logOdds(['gul']), 10);
  });

  it('says outage only at odds of INTENT_MIN_ODDS to 1 or more', () => {
    expect(saysOutage(model, ['net', 'gul', 'subah'])).toBe(true);
    expect(model.logOdds(['net', 'gul', 'subah'])).toBeGreaterThanOrEqual(Math.log(INTENT_MIN_ODDS));
    expect(saysOutage(model, ['naya', 'gaana'])).toBe(false);
    expect(saysOutage(trainIntentModel([]), ['gul'])).toBe(false);
  });
});

describe('romanised Hindi posts the rules leave undecided', () => {
  const understanding = createUnderstanding();
  const read = (text: string) => understanding.understandPost({ id: 't', text });

  it('are read from their words, with less confidence than a cue and the model named in the evidence', () => {
    const post = read('airtel walo ka network subah se gul hai');
    expect(post.language).toBe('hi-Latn');
    expect(post.services).toEqual([expect.objectContaining({ serviceId: 'airtel', outage: true })]);
    expect(post.services[0]!.confidence).toBeLessThanOrEqual(0.6);
    expect(post.services[0]!.evidence.join(' ')).toContain('intent model');
  });

  it('stay mentions when the words are chatter, and are never read so when a rule decided', () => {
    expect(read('whatsapp pe sabko happy diwali bol diya').services).toEqual([expect.objectContaining({ serviceId: 'whatsapp', outage: false })]);
    // A past outage: the neutraliser decided, the words are not consulted.
    expect(read('whatsapp subah down tha par ab theek chal raha').services).toEqual([expect.objectContaining({ serviceId: 'whatsapp', outage: false })]);
  });

  it('leave other languages to the rules alone', () => {
    expect(read('airtel network gone since morning lol').services.every((s) => !s.evidence.join(' ').includes('intent model'))).toBe(true);
  });
});
