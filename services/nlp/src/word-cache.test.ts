/**
 * The per-word caches of tokenise (text-tokens.ts): bounded whatever the vocabulary, keeping the
 * words that come back, and never changing a token (identity.test.ts checks every output).
 */
import { describe, expect, it } from 'vitest';
import { BoundedCache, factsOf, tokenise, WORD_CACHE_GENERATION, wordCacheStats } from './text-tokens';

describe('BoundedCache', () => {
  it('holds at most two generations and keeps the entries read again', () => {
    const cache = new BoundedCache<number>(3);
    for (let i = 0; i < 100; i++) {
      cache.set(`once-${i}`, i);
      // A word that comes back on every post survives any number of words seen once.
      if (cache.get('hot') === undefined) cache.set('hot', -1);
      expect(cache.size).toBeLessThanOrEqual(6);
    }
    expect(cache.get('hot')).toBe(-1);
    expect(cache.get('once-0')).toBeUndefined();
    expect(cache.get('once-99')).toBe(99);
    expect(cache.hits).toBeGreaterThan(90);
  });
});

describe('tokenise with its caches', () => {
  it('gives the same tokens cold, warm and after the caches turned over', () => {
    const text = 'Is Facebook down?? cant login #FacebookDown @FacebookApp wi-fi NW-2-5 インスタが落ちてる';
    const cold = JSON.parse(JSON.stringify(tokenise(text))) as unknown;
    expect(JSON.parse(JSON.stringify(tokenise(text)))).toEqual(cold);
    // More distinct words than both generations hold: every cache turns over at least once.
    for (let i = 0; i < 2 * WORD_CACHE_GENERATION + 10; i++) tokenise(`word${i} #tag${i} @user${i}`);
    const stats = wordCacheStats();
    for (const c of [stats.pieces, stats.facts]) expect(c.size).toBeLessThanOrEqual(2 * WORD_CACHE_GENERATION);
    expect(stats.words.size).toBeLessThanOrEqual(3 * 2 * WORD_CACHE_GENERATION);
    expect(JSON.parse(JSON.stringify(tokenise(text)))).toEqual(cold);
  });

  it('shares one facts record among the spellings of a key, and reads it where it starts a sentence too', () => {
    const { tokens } = tokenise('Down. DOWN down');
    const words = tokens.filter((t) => t.kind === 'word');
    expect(words.map((t) => t.key)).toEqual(['down', 'down', 'down']);
    expect(words.map((t) => t.sentenceStart)).toEqual([true, true, false]);
    expect(new Set(words.map((t) => t.facts)).size).toBe(1);
    expect(words[0]!.facts).toBe(factsOf('down'));
  });
});
