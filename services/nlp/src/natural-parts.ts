/**
 * The parts of `natural` this library uses, loaded one file at a time.
 *
 * `import natural from 'natural'` costs about 2 s and pulls in its storage back ends (MongoDB,
 * Postgres, Redis, Memcached), one of which loads dotenv and prints to stdout on import. Loading
 * the four modules we need directly takes about 25 ms and prints nothing, which keeps the
 * library's load time under the 1 s budget and the CLI's stdout pure NDJSON. The types still come
 * from natural's own declarations.
 */
import { createRequire } from 'node:module';
import type * as Natural from 'natural';

const require = createRequire(import.meta.url);

export const BayesClassifier = require('natural/lib/natural/classifiers/bayes_classifier.js') as typeof Natural.BayesClassifier;
export type BayesClassifier = Natural.BayesClassifier;

export const JaroWinklerDistance = require('natural/lib/natural/distance/jaro-winkler_distance.js') as typeof Natural.JaroWinklerDistance;

export const DamerauLevenshteinDistance = (
  require('natural/lib/natural/distance/levenshtein_distance.js') as { DamerauLevenshteinDistance: typeof Natural.DamerauLevenshteinDistance }
).DamerauLevenshteinDistance;

export const RegexpTokenizer = (require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as { RegexpTokenizer: typeof Natural.RegexpTokenizer })
  .RegexpTokenizer;

export const PorterStemmer = require('natural/lib/natural/stemmers/porter_stemmer.js') as typeof Natural.PorterStemmer;
