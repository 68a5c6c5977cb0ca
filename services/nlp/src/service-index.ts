/**
 * Which catalog service a word, a phrase, a hashtag or a handle names.
 *
 * Built once from the catalog so that the hot path is Map lookups: exact phrases first (ids,
 * names, aliases, misspellings, tokenised like posts so "facebook.com" and "AT&T" match), then,
 * only for unknown words of five letters or more, a fuzzy match against names bucketed by first
 * letter, with the answer cached per word. Fuzzy matching uses natural's Jaro-Winkler as a cheap
 * filter and its Damerau-Levenshtein distance as the decision, because typos are mostly one
 * dropped, doubled or swapped letter ("facebok", "instagarm").
 *
 * Real words that sit one typo away from a service name ("twitchy", "venom") are refused through
 * data/fuzzy-blocklist.json, generated from WordNet and stop-word lists by
 * fuzzy-blocklist.build.ts, so the blocklist is exactly the set of words fuzzy matching would
 * otherwise get wrong.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Catalog, CatalogService } from '../../../schemas/catalog/index';
import { DamerauLevenshteinDistance, JaroWinklerDistance } from './natural-parts';
import { foldText, phraseKeys, type Segmenter, type WordFacts } from './text-tokens';

/** How sure a name is on its own: ambiguous words need outage context, misspellings cost a little confidence. */
export type NameCertainty = 'plain' | 'misspelling' | 'ambiguous';

export interface NameTarget {
  readonly service: CatalogService;
  readonly certainty: NameCertainty;
  /** The catalog phrase that matched, for evidence. */
  readonly phrase: string;
}

export interface FuzzyHit {
  readonly service: CatalogService;
  /** The catalog name the word was taken for. */
  readonly phrase: string;
  readonly similarity: number;
  readonly distance: number;
}

/** Words shorter than this are never fuzzy-matched: at four letters one typo turns "zoom" into "room". */
export const FUZZY_MIN_LENGTH = 5;
/** Jaro-Winkler below this is not worth an edit-distance computation. */
const FUZZY_PREFILTER_SIMILARITY = 0.88;
/** Bounded per-word cache: the vocabulary of a firehose is Zipfian, so a small cache answers most words. */
const FUZZY_CACHE_LIMIT = 50_000;

export const FUZZY_BLOCKLIST_PATH = fileURLToPath(new URL('../data/fuzzy-blocklist.json', import.meta.url));

/** Suffixes that make a hashtag say "it is down", in the languages the lexicon covers. Folded, no underscores. */
export const OUTAGE_HASHTAG_SUFFIXES = [
  'isdown', 'down', 'outage', 'outages', 'notworking', 'offline', 'fail', 'crash', 'dead', 'broken', 'problems', 'issues',
  'caido', 'caida', 'caidos', 'caiu', 'foradoar', 'nofunciona', 'naofunciona', 'fueradeservicio', 'enpanne', 'panne',
  'horsservice', 'storung', 'stoerung', 'ausfall', 'gehtnicht', 'kaputt', 'nonfunziona', 'giu', 'coktu', 'gangguan',
  'error', 'неработает', 'лежит', 'упал', 'сбой', '落ちた', '障害', 'معطل', 'واقف', 'طايح', 'डाउन', 'बंद',
] as const;
/** Prefixes that name a service without saying it is down (#deletefacebook is a protest, not an outage). */
const NEUTRAL_HASHTAG_PREFIXES = ['delete', 'boycott', 'quit', 'ban', 'leave', 'bye', 'byebye', 'goodbye'] as const;
/** Endings of brand support handles (@SpotifyCares, @verizonsupport): the brand is what precedes them. */
const HANDLE_SUFFIXES = ['support', 'supportuk', 'cares', 'help', 'helps', 'app', 'official', 'uk', 'us', 'hq', 'status', 'india', 'news', 'es', 'br', 'de', 'fr', 'ie', 'inc'] as const;

/**
 * What the index says about one word, worked out once per distinct word and kept on its facts
 * record (text-tokens.ts) with the index that answered: the same answers as `longestPhraseFrom`,
 * `inflected` and `fuzzy` give for its key.
 */
export interface NameFacts {
  readonly longest: number | undefined;
  readonly inflected: readonly NameTarget[] | undefined;
  readonly fuzzy: FuzzyHit | null;
}

declare module './text-tokens' {
  interface WordFacts {
    /** service-index.ts: names starting with this word, inflected and fuzzy readings, for the index `namesOf`. */
    names: NameFacts | undefined;
  }
}

const NO_NAMES: NameFacts = Object.freeze({ longest: undefined, inflected: undefined, fuzzy: null });

export interface HashtagReading {
  readonly service: CatalogService;
  /** The hashtag itself says the service is down (#facebookdown, #whatsappcaido), rather than just naming it. */
  readonly saysDown: boolean;
  readonly viaCatalog: boolean;
}

/** Options of buildServiceIndex. */
export interface ServiceIndexOptions {
  fuzzyBlocklist?: ReadonlySet<string>;
  /** How to cut Japanese names into tokens: the same segmenter the posts are tokenised with. */
  segmenter?: Segmenter;
  /** Whether one word says "down" on its own ("معطل" in #واتساب_معطل); default: none do. */
  isOutageWord?: (key: string) => boolean;
}

export interface ServiceIndex {
  /** Exact phrase (folded keys joined by one space) to the services it can name. */
  readonly phrases: ReadonlyMap<string, readonly NameTarget[]>;
  /** How many tokens the longest phrase starting with this key has, so matching knows how far to look. */
  readonly longestPhraseFrom: ReadonlyMap<string, number>;
  readonly catalog: Catalog;
  /** Fuzzy match of one folded word; null when nothing is close enough or the word is a known real word. */
  fuzzy(word: string): FuzzyHit | null;
  /**
   * A single word that names a service only once its inflection is taken off: Arabic proclitics
   * ("وواتساب", "بيوتيوب") and Russian case endings ("ютубе", "амазона"). Undefined when none.
   */
  inflected(word: string): readonly NameTarget[] | undefined;
  /** longestPhraseFrom, inflected and fuzzy for one word's key at once, kept on the word's facts record. */
  wordNames(facts: WordFacts): NameFacts;
  /** What a hashtag (folded key, without '#') says about which service. */
  readHashtag(tagKey: string): HashtagReading | null;
  /** Which service a handle (folded, without '@') belongs to. */
  readHandle(handleKey: string): NameTarget | null;
  /**
   * One service out of several sharing a name ("vodafone"): by the post's country, else by the
   * countries where the post's language is spoken, else the busiest. `shared` says it was a guess.
   */
  resolveShared(targets: readonly NameTarget[], country: string | undefined, likelyCountries?: readonly string[]): { target: NameTarget; shared: boolean };
}

const NON_LATIN_WORD = /[\u0400-\u04ff\u0600-\u06ff]/;
/** Arabic proclitics that stay on a word after its article: و (and), ب (with), ل (for), ف (so), ك (like). */
const ARABIC_PROCLITICS = /^[وبلفك]/;
/** Russian case endings, longest first: "амазоном" -> "амазон", "ютубе" -> "ютуб". */
const RUSSIAN_ENDINGS = ['ами', 'ями', 'ом', 'ем', 'ой', 'ей', 'ах', 'ях', 'ам', 'ям', 'ов', 'е', 'у', 'ю', 'а', 'я', 'ы', 'и'];

/** Stems a word may name a service through, shortest change first. */
function inflectionCandidates(word: string): string[] {
  const out: string[] = [];
  if (/^[\u0600-\u06ff]/.test(word)) {
    if (ARABIC_PROCLITICS.test(word) && word.length >= 4) out.push(word.slice(1));
    // "بالواتس" was cut to "واتس" by the tokeniser; "وبالواتس" still carries a proclitic before its article.
    if (/^[وف](?:ال|بال|لل)/.test(word)) out.push(word.replace(/^[وف](?:ال|بال|لل)/, ''));
  } else {
    for (const ending of RUSSIAN_ENDINGS) if (word.length - ending.length >= 3 && word.endsWith(ending)) out.push(word.slice(0, -ending.length));
  }
  return out;
}

function loadFuzzyBlocklist(): Set<string> {
  try {
    return new Set(JSON.parse(readFileSync(FUZZY_BLOCKLIST_PATH, 'utf8')) as string[]);
  } catch {
    // Missing only while the blocklist itself is being generated.
    return new Set();
  }
}

const PLAIN_RANK: Record<NameCertainty, number> = { plain: 0, misspelling: 1, ambiguous: 2 };

export function buildServiceIndex(catalog: Catalog, options: ServiceIndexOptions = {}): ServiceIndex {
  const phrases = new Map<string, NameTarget[]>();
  const joined = new Map<string, NameTarget[]>();
  const longestPhraseFrom = new Map<string, number>();
  const fuzzyBuckets = new Map<string, Array<{ key: string; service: CatalogService }>>();
  const blocklist = options.fuzzyBlocklist ?? loadFuzzyBlocklist();

  const add = (map: Map<string, NameTarget[]>, key: string, target: NameTarget) => {
    const list = map.get(key) ?? [];
    const same = list.findIndex((t) => t.service.id === target.service.id);
    if (same >= 0) {
      // One service, one entry per key: the surest reading wins, except that ambiguity declared
      // in the catalog overrides the id and the name (the id "signal" is still the word "signal").
      if (PLAIN_RANK[target.certainty] < PLAIN_RANK[list[same]!.certainty]) list[same] = target;
      return;
    }
    list.push(target);
    map.set(key, list);
  };

  for (const service of catalog.services) {
    const ambiguous = new Set(service.ambiguousAliases.map((a) => phraseKeys(a, options.segmenter).join(' ')));
    for (const local of service.localNames) if (local.ambiguous) ambiguous.add(phraseKeys(local.name, options.segmenter).join(' '));
    const register = (phrase: string, declared: NameCertainty) => {
      const keys = phraseKeys(phrase, options.segmenter);
      if (keys.length === 0) return;
      const key = keys.join(' ');
      const certainty: NameCertainty = ambiguous.has(key) ? 'ambiguous' : declared;
      const target: NameTarget = { service, certainty, phrase };
      add(phrases, key, target);
      add(joined, keys.join(''), target);
      longestPhraseFrom.set(keys[0]!, Math.max(longestPhraseFrom.get(keys[0]!) ?? 1, keys.length));
      if (certainty === 'plain' && keys.length === 1 && key.length >= FUZZY_MIN_LENGTH && !/\d/.test(key)) {
        const bucket = fuzzyBuckets.get(key[0]!) ?? [];
        if (!bucket.some((b) => b.key === key)) bucket.push({ key, service });
        fuzzyBuckets.set(key[0]!, bucket);
      }
    };
    for (const a of service.ambiguousAliases) register(a, 'ambiguous');
    register(service.id, 'plain');
    register(service.name, 'plain');
    for (const a of service.aliases) register(a, 'plain');
    for (const m of service.misspellings) register(m, 'misspelling');
    for (const local of service.localNames) register(local.name, local.ambiguous ? 'ambiguous' : 'plain');
  }
  for (const list of phrases.values()) list.sort((a, b) => PLAIN_RANK[a.certainty] - PLAIN_RANK[b.certainty]);
  for (const list of joined.values()) list.sort((a, b) => PLAIN_RANK[a.certainty] - PLAIN_RANK[b.certainty]);

  const catalogHashtags = new Map<string, CatalogService>();
  for (const [tag, service] of catalog.byHashtag) {
    catalogHashtags.set(foldText(tag), service);
    catalogHashtags.set(foldText(tag).replace(/_/g, ''), service);
  }

  const fuzzyCache = new Map<string, FuzzyHit | null>();
  const computeFuzzy = (word: string): FuzzyHit | null => {
    if (blocklist.has(word)) return null;
    const bucket = fuzzyBuckets.get(word[0]!);
    if (!bucket) return null;
    let best: FuzzyHit | null = null;
    for (const candidate of bucket) {
      const maxDistance = Math.min(word.length, candidate.key.length) >= 8 ? 2 : 1;
      if (Math.abs(candidate.key.length - word.length) > maxDistance) continue;
      const similarity = JaroWinklerDistance(word, candidate.key, {});
      if (similarity < FUZZY_PREFILTER_SIMILARITY) continue;
      const distance = DamerauLevenshteinDistance(word, candidate.key, {}) as number;
      if (distance === 0 || distance > maxDistance) continue;
      if (!best || distance < best.distance || (distance === best.distance && similarity > best.similarity)) {
        best = { service: candidate.service, phrase: candidate.key, similarity, distance };
      }
    }
    return best;
  };

  const plainOnly = (targets: readonly NameTarget[] | undefined) => targets?.filter((t) => t.certainty !== 'ambiguous') ?? [];
  const plainOrAmbiguous = (targets: readonly NameTarget[] | undefined) => targets?.[0];
  const isOutageWord = options.isOutageWord ?? (() => false);
  const inflectedCache = new Map<string, readonly NameTarget[] | null>();

  const hashtagCache = new Map<string, HashtagReading | null>();
  function readHashtagUncached(tagKey: string): HashtagReading | null {
    const compact = tagKey.replace(/_/g, '');
    if (compact.length < 2) return null;
    const saysDown = OUTAGE_HASHTAG_SUFFIXES.some((s) => compact.endsWith(s) && compact.length > s.length);
    const listed = catalogHashtags.get(tagKey) ?? catalogHashtags.get(compact);
    if (listed) return { service: listed, saysDown, viaCatalog: true };
    // Words joined by underscores, as scripts without letter case write them: #واتساب_معطل, #инстаграм_не_работает.
    if (tagKey.includes('_')) {
      const parts = tagKey.split('_').filter((p) => p.length > 0);
      const named = plainOrAmbiguous(phrases.get(parts[0]!) ?? index.inflected(parts[0]!));
      if (named) {
        const rest = parts.slice(1);
        const down = rest.length > 0 && (rest.some((p) => isOutageWord(p)) || OUTAGE_HASHTAG_SUFFIXES.some((x) => rest.join('') === x));
        return { service: named.service, saysDown: down, viaCatalog: false };
      }
    }
    // Not listed: read it as <name><down-suffix>, <protest-prefix><name> or a bare <name>.
    // A hashtag is deliberate, so ambiguous names count here ("#steamdown", "#teamsdown").
    for (const suffix of OUTAGE_HASHTAG_SUFFIXES) {
      if (compact.length > suffix.length + 1 && compact.endsWith(suffix)) {
        const target = joined.get(compact.slice(0, -suffix.length))?.[0];
        if (target) return { service: target.service, saysDown: true, viaCatalog: false };
      }
    }
    for (const prefix of NEUTRAL_HASHTAG_PREFIXES) {
      if (compact.length > prefix.length + 1 && compact.startsWith(prefix)) {
        const target = plainOnly(joined.get(compact.slice(prefix.length)))[0];
        if (target) return { service: target.service, saysDown: false, viaCatalog: false };
      }
    }
    const bare = plainOnly(joined.get(compact))[0];
    return bare ? { service: bare.service, saysDown: false, viaCatalog: false } : null;
  }

  const inflectedUncached = (word: string): readonly NameTarget[] | undefined => {
    let found: readonly NameTarget[] | undefined;
    for (const candidate of inflectionCandidates(word)) {
      found = phrases.get(candidate);
      if (found) break;
    }
    return found;
  };

  const index: ServiceIndex = {
    phrases,
    longestPhraseFrom,
    catalog,
    wordNames(facts) {
      if (facts.namesOf === index && facts.names !== undefined) return facts.names;
      const word = facts.key;
      const longest = longestPhraseFrom.get(word);
      const inflected = word.length < 4 || !NON_LATIN_WORD.test(word) ? undefined : inflectedUncached(word);
      const fuzzy = word.length < FUZZY_MIN_LENGTH || /[\d_']/.test(word) ? null : computeFuzzy(word);
      // Most words name nothing: they share one record.
      const names: NameFacts = longest === undefined && inflected === undefined && fuzzy === null ? NO_NAMES : { longest, inflected, fuzzy };
      facts.names = names;
      facts.namesOf = index;
      return names;
    },
    inflected(word) {
      if (word.length < 4 || !NON_LATIN_WORD.test(word)) return undefined;
      const cached = inflectedCache.get(word);
      if (cached !== undefined) return cached ?? undefined;
      const found = inflectedUncached(word);
      if (inflectedCache.size >= FUZZY_CACHE_LIMIT) inflectedCache.delete(inflectedCache.keys().next().value!);
      inflectedCache.set(word, found ?? null);
      return found;
    },
    fuzzy(word) {
      if (word.length < FUZZY_MIN_LENGTH || /[\d_']/.test(word)) return null;
      const cached = fuzzyCache.get(word);
      if (cached !== undefined) return cached;
      const hit = computeFuzzy(word);
      if (fuzzyCache.size >= FUZZY_CACHE_LIMIT) fuzzyCache.delete(fuzzyCache.keys().next().value!);
      fuzzyCache.set(word, hit);
      return hit;
    },
    readHashtag(tagKey) {
      const cached = hashtagCache.get(tagKey);
      if (cached !== undefined) return cached;
      const reading = readHashtagUncached(tagKey);
      if (hashtagCache.size >= FUZZY_CACHE_LIMIT) hashtagCache.delete(hashtagCache.keys().next().value!);
      hashtagCache.set(tagKey, reading);
      return reading;
    },
    readHandle(handleKey) {
      const direct = plainOnly(joined.get(handleKey))[0];
      if (direct) return direct;
      for (const suffix of HANDLE_SUFFIXES) {
        if (handleKey.length > suffix.length + 1 && handleKey.endsWith(suffix)) {
          const target = plainOnly(joined.get(handleKey.slice(0, -suffix.length)))[0];
          if (target) return target;
        }
      }
      return null;
    },
    resolveShared(targets, country, likelyCountries = []) {
      const best = targets.filter((t) => t.certainty === targets[0]!.certainty);
      if (best.length === 1) return { target: best[0]!, shared: false };
      if (country) {
        const local = best.filter((t) => t.service.countries.includes(country));
        if (local.length === 1) return { target: local[0]!, shared: false };
      }
      if (likelyCountries.length > 0) {
        const likely = best.filter((t) => t.service.countries.some((c) => likelyCountries.includes(c)));
        if (likely.length === 1) return { target: likely[0]!, shared: true };
      }
      // No country to go by: the busiest service is the likeliest reading; catalog order breaks ties.
      let chosen = best[0]!;
      for (const t of best) if (t.service.baselinePerMinute > chosen.service.baselinePerMinute) chosen = t;
      return { target: chosen, shared: true };
    },
  };
  return index;
}
