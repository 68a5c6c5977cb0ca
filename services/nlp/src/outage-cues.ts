/**
 * Does the author say something is not working, or that it works?
 *
 * The cue families of twelve languages (lexicon/*.ts, one file per language) are matched on
 * folded tokens, longest phrase first, and give "cues" of two polarities: `outage` ("not
 * working", "fora do ar", "çöktü", "落ちてる", "واقف", "नहीं चल रहा", "не работает") and
 * `working` ("works fine", "is back up", "funktioniert wieder"). Beside the phrases, three rules
 * that hold across languages:
 *  - negation scope: a negator within two words of a function word of the same language ("no
 *    carga", "lädt nicht", "load nahi ho rahi", "не грузится"), or a word that negates inside
 *    itself (Turkish "açılmıyor");
 *  - error evidence: an error word beside a code ("error 279", "エラーコード NW-2-5", "خطأ 503"),
 *    an HTTP 5xx ("503s"), or a service's failure message ("try again later", "we can't process
 *    your request", "しばらくしてからもう一度お試しください");
 *  - the word "down" gets rules of its own, because most of its uses are not outages: "down for
 *    pizza", "calm down", "shut down", "down 5%", "down the road".
 *
 * Cues are then neutralised by their clause: share prices and earnings (finance), looking back
 * (yesterday, a year, "remember"; but "down since yesterday" is now), hypotheticals ("in case",
 * "falls", "если"; a plain "if" only at the start of a sentence), postmortem discussion (root
 * cause, incident report), the press ("according to", "Reuters:"), and parcels ("my order is stuck in the depot" is about the parcel
 * unless the clause names an app or a site). Questions are NOT neutralised: people ask "is
 * whatsapp down?" precisely when it fails them.
 *
 * Context words are read only in the languages of the post (plus English, which people mix into
 * every language): German "hier" is "here", not French "yesterday"; Turkish "once" is "ago",
 * English "once" is not. Cue phrases are read in every language, because posts switch language.
 *
 * Clauses are split at sentence punctuation and at conjunctions that change the subject ("but",
 * "pero", "aber", "ama", "けど", "لكن"), because posts compare services ("instagram works but
 * whatsapp is down"); attaching cues to services is done by the caller, which knows where the
 * services are.
 */
import { LEXICONS, type LanguageCode, type LanguageLexicon } from './lexicon/index';
import type { Token } from './text-tokens';
import { createSegmenter, factsOf, phraseKeys, setDefaultSegmenter, tokenise, type Segmenter, type WordFacts } from './text-tokens';

export type Polarity = 'outage' | 'working';
export type CueLanguage = LanguageCode;

export interface Cue {
  /** First token index (inclusive) and last (exclusive). */
  readonly start: number;
  readonly end: number;
  readonly polarity: Polarity;
  /** The lexicon phrase or the rule that matched, for evidence. */
  readonly phrase: string;
  /** Weak cues ("issues", "slow", "error") say less than "not working"; they lower confidence, not the decision. */
  readonly weak: boolean;
  /** Recovery ("back up", "voltou") beats an earlier outage statement about the same service. */
  readonly recovery: boolean;
}

export type Neutraliser = 'finance' | 'past' | 'hypothetical' | 'postmortem' | 'news' | 'delivery';

export interface Clause {
  readonly start: number;
  readonly end: number;
  readonly cues: readonly Cue[];
  /** Why the clause's outage cues were dropped, if they were: for evidence and tests. */
  readonly neutralisedBy?: Neutraliser;
  /**
   * The outage cues a neutraliser or a conditional ending ("teams donarsa") dropped: they say nothing about the service being down now,
   * but they still show the author talks about a service's state ("in case zoom dies"), which
   * is what an ambiguous name needs.
   */
  readonly dropped?: readonly Cue[];
  /**
   * The clause's words were read and found not to say the service fails: a "works?" question
   * ("chal raha hai kya?") or a negation whose subject is the speaker ("nahi dekh raha hu"). Nothing
   * else (the intent model) should then read them as a complaint.
   */
  readonly settled?: true;
}

export interface CueAnalysis {
  readonly clauses: readonly Clause[];
  /** Token index -> clause index. */
  readonly clauseOf: Int32Array;
  /** Tokens that belong to a cue phrase; service matching skips them ("no signal" is not the Signal app). */
  readonly consumed: Uint8Array;
  /** Languages of the cue phrases found (English ones excepted): a hint at the author's language and country. */
  readonly languages: ReadonlySet<CueLanguage>;
}

export interface CueOptions {
  /**
   * Languages whose context words (past, hypothetical, finance, delivery, clause splitters) are
   * read. Default: every language, for a post whose language is not known.
   */
  readonly languages?: ReadonlySet<LanguageCode>;
  /** The post's text, for what tokens do not keep: quotes ("'session expired' aa raha"). */
  readonly text?: string;
}

/**
 * Where a language's speakers are, for telling apart services that share a name: "vodafone
 * störung" is Vodafone Germany. English says nothing: it is spoken where every Vodafone is.
 */
export const LANGUAGE_COUNTRIES: Record<CueLanguage, readonly string[]> = Object.fromEntries(
  LEXICONS.map((l) => [l.language, l.countries]),
) as Record<CueLanguage, readonly string[]>;

// ---------------------------------------------------------------------------------------------
// Japanese words first: they cut kana and kanji into tokens, so they must exist before any phrase is tokenised.

function allPhrases(l: LanguageLexicon): string[] {
  return [
    ...l.outage, ...(l.weak ?? []), ...(l.errorMessages ?? []), ...(l.working ?? []), ...(l.recovery ?? []), ...(l.idioms ?? []),
    ...(l.negators ?? []), ...(l.functionWords ?? []), ...(l.errorWords ?? []), ...(l.clauseSplitters ?? []), ...(l.past ?? []),
    ...(l.since ?? []), ...(l.conditionals ?? []), ...(l.hypothetical ?? []), ...(l.finance ?? []), ...(l.postmortem ?? []), ...(l.news ?? []),
    ...(l.delivery ?? []), ...(l.surface ?? []), ...(l.stopwords ?? []), ...(l.supposed ?? []), ...(l.lingering ?? []), ...(l.endless ?? []),
  ];
}

/** Every lexicon word of a script written without spaces; catalog names are added by the caller's own segmenter. */
export const LEXICON_SEGMENTATION_WORDS: readonly string[] = LEXICONS.flatMap(allPhrases);
const LEXICON_SEGMENTER: Segmenter = createSegmenter(LEXICON_SEGMENTATION_WORDS);
setDefaultSegmenter(LEXICON_SEGMENTER);

// ---------------------------------------------------------------------------------------------
// Cue phrases

export interface LexiconEntry {
  readonly keys: readonly string[];
  /** 'supposed': an outage verb in a mood that supposes ("se o zap cair", "sollte zoom streiken"): never an outage, always dropped. */
  readonly polarity: Polarity | 'idiom' | 'supposed';
  readonly phrase: string;
  readonly weak: boolean;
  readonly recovery: boolean;
  readonly language: CueLanguage;
  /** Words the phrase may have between its own ("chal hi nahi raha"): its language's particles. */
  readonly particles: ReadonlySet<string> | undefined;
}

/** Particles per language, folded: Hindi "hi", "bhi". */
const PARTICLES: ReadonlyMap<LanguageCode, ReadonlySet<string>> = new Map(
  LEXICONS.filter((l) => (l.particles ?? []).length > 0).map((l) => [l.language, new Set(l.particles!.flatMap((p) => phraseKeys(p)))]),
);
const PARTICLE_WORDS: ReadonlySet<string> = new Set([...PARTICLES.values()].flatMap((set) => [...set]));

function buildCueLexicon(): Map<string, LexiconEntry[]> {
  const byFirstKey = new Map<string, LexiconEntry[]>();
  const add = (phrase: string, polarity: Polarity | 'idiom' | 'supposed', language: CueLanguage, weak = false, recovery = false) => {
    const keys = phraseKeys(phrase);
    if (keys.length === 0) return;
    const entry: LexiconEntry = { keys, polarity, phrase: keys.join(' '), weak, recovery, language, particles: keys.length > 1 ? PARTICLES.get(language) : undefined };
    const list = byFirstKey.get(keys[0]!) ?? [];
    if (list.some((e) => e.phrase === entry.phrase)) return;
    list.push(entry);
    byFirstKey.set(keys[0]!, list);
  };
  // Order matters only for duplicates: idioms, then recovery, working, outage, error messages, weak cues.
  for (const l of LEXICONS) for (const p of l.idioms ?? []) add(p, 'idiom', l.language);
  for (const l of LEXICONS) for (const p of l.recovery ?? []) add(p, 'working', l.language, false, true);
  for (const l of LEXICONS) for (const p of l.working ?? []) add(p, 'working', l.language);
  for (const l of LEXICONS) for (const p of l.outage) add(p, 'outage', l.language);
  for (const l of LEXICONS) for (const p of l.errorMessages ?? []) add(p, 'outage', l.language);
  for (const l of LEXICONS) for (const p of l.weak ?? []) add(p, 'outage', l.language, true);
  for (const l of LEXICONS) for (const p of l.supposed ?? []) add(p, 'supposed', l.language);
  // Longest first, so "not working" wins over "not" and "nao esta funcionando" over "esta funcionando".
  for (const list of byFirstKey.values()) list.sort((a, b) => b.keys.length - a.keys.length);
  return byFirstKey;
}

const CUE_LEXICON = buildCueLexicon();

/**
 * The same entries by their first two keys: romanised Hindi's spellings give some first words
 * (chal, kaam, signal) dozens of phrases, and every word of every post is looked up twice (votes
 * and cues); the second key narrows each lookup to the few phrases that can still match.
 */
export interface FirstKeyEntries {
  /** Phrases of one word. */
  readonly single: readonly LexiconEntry[];
  /** By second key: the phrases with that second key, then the phrases of one word (built once, read without copying). */
  readonly bySecond: ReadonlyMap<string, readonly LexiconEntry[]>;
  /** Some phrase may read particles between its first and second word. */
  readonly particles: boolean;
}
const CUE_INDEX: ReadonlyMap<string, FirstKeyEntries> = new Map(
  [...CUE_LEXICON].map(([first, entries]) => {
    const bySecond = new Map<string, LexiconEntry[]>();
    for (const e of entries) {
      if (e.keys.length < 2) continue;
      const list = bySecond.get(e.keys[1]!) ?? [];
      list.push(e);
      bySecond.set(e.keys[1]!, list);
    }
    const single = entries.filter((e) => e.keys.length === 1);
    for (const [second, list] of bySecond) bySecond.set(second, [...list, ...single]);
    return [first, { single, bySecond, particles: entries.some((e) => e.particles !== undefined) }];
  }),
);
/** Each entry's place in its first key's list (longest first), to try candidates in that order. */
const ENTRY_ORDER: ReadonlyMap<LexiconEntry, number> = new Map([...CUE_LEXICON.values()].flatMap((list) => list.map((e, k) => [e, k] as const)));
const byEntryOrder = (a: LexiconEntry, b: LexiconEntry) => ENTRY_ORDER.get(a)! - ENTRY_ORDER.get(b)!;

/**
 * Every word of the lexicons written without a standard spelling of vowels (romanised Hindi), in
 * every spelling they generate. The lexicon writes a word once and reads it with its long vowels
 * short ("kaali" gives "kali"); a post may do the opposite ("kaali screen" for the listed "kali
 * screen", "nahee" for "nahi"). A post word of such a language that the lexicon does not know is
 * read with its long vowels short, when that spelling is one the lexicon knows.
 */
const LOOSE_VOWEL_LANGUAGES: ReadonlySet<LanguageCode> = new Set(LEXICONS.filter((l) => l.looseVowels === true).map((l) => l.language));
const LOOSE_VOWEL_VOCABULARY: ReadonlySet<string> = new Set(
  LEXICONS.filter((l) => l.looseVowels === true).flatMap((l) => [...allPhrases(l), ...(l.postNegators ?? []), ...(l.particles ?? [])]).flatMap((p) => phraseKeys(p)),
);
const LONG_VOWEL = /aa|ee|ii|oo|uu/;
const shortVowels = (key: string) => key.replace(/aa/g, 'a').replace(/ee|ii/g, 'i').replace(/oo|uu/g, 'u');

/** Some member of `set` is in `of` (a loop: no array made from the set). */
function someIn(set: ReadonlySet<LanguageCode>, of: ReadonlySet<LanguageCode>): boolean {
  for (const l of set) if (of.has(l)) return true;
  return false;
}

/** The tokens with the unknown long-vowel spellings of a loose-vowel language read short (same positions, same kinds). */
function withLooseVowels(tokens: readonly Token[], languages: ReadonlySet<LanguageCode> | undefined): readonly Token[] {
  if (languages === undefined || !someIn(languages, LOOSE_VOWEL_LANGUAGES)) return tokens;
  let out: Token[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word' || !LONG_VOWEL.test(t.key) || LOOSE_VOWEL_VOCABULARY.has(t.key)) continue;
    const short = shortVowels(t.key);
    if (LOOSE_VOWEL_VOCABULARY.has(short)) (out ??= [...tokens])[i] = { ...t, key: short, facts: factsOf(short) };
  }
  return out ?? tokens;
}

/** Every single word the lexicon knows: such words are never fuzzy-matched to a service name. */
export const CUE_VOCABULARY: ReadonlySet<string> = new Set([...CUE_LEXICON.values()].flat().flatMap((e) => e.keys).concat(['down']));

/** One word that says "down" on its own, in any language: for hashtags such as #واتساب_معطل. */
export function isOutageWord(key: string): boolean {
  if (key === 'down') return true;
  return (CUE_LEXICON.get(key) ?? []).some((e) => e.polarity === 'outage' && !e.weak && e.keys.length === 1);
}

// ---------------------------------------------------------------------------------------------
// Context markers: words that do not say "down" but say what a clause is about.

export type MarkerRole =
  | 'negator' | 'function' | 'errorWord' | 'splitter' | 'past' | 'since' | 'conditional' | 'hypothetical'
  | 'finance' | 'postmortem' | 'news' | 'delivery' | 'surface';

export interface Marker {
  readonly keys: readonly string[];
  readonly role: MarkerRole;
  readonly language: LanguageCode;
  /** A single-word stem ("груз*"): matches every word starting with it. */
  readonly stem: boolean;
  /**
   * The word means something else in another language ("se": Portuguese "if", Spanish "itself";
   * "hier": French "yesterday", German "here"): it counts only in a post detected in its language.
   */
  readonly ambiguous: boolean;
}

const MARKER_FIELDS: ReadonlyArray<[MarkerRole, keyof LanguageLexicon]> = [
  ['negator', 'negators'], ['function', 'functionWords'], ['errorWord', 'errorWords'], ['splitter', 'clauseSplitters'],
  ['past', 'past'], ['since', 'since'], ['conditional', 'conditionals'], ['hypothetical', 'hypothetical'],
  ['finance', 'finance'], ['postmortem', 'postmortem'], ['news', 'news'], ['delivery', 'delivery'], ['surface', 'surface'],
];

/** Arabic joins "and" (و) and "so" (ف) to the next word: "وما قدرت" is "and" + "ما قدرت". */
const ARABIC_CONJUNCTION = /^[وف][\u0621-\u064a]{2,}$/;
const withoutConjunction = (key: string) => (ARABIC_CONJUNCTION.test(key) ? key.slice(1) : undefined);

const STEM_PREFIX_LENGTH = 3;

/** Every word of a language (phrases of every family and its stop words), and the words of each marker role. */
function vocabularies(): Map<LanguageCode, { all: Set<string>; byRole: Map<MarkerRole, Set<string>> }> {
  const out = new Map<LanguageCode, { all: Set<string>; byRole: Map<MarkerRole, Set<string>> }>();
  for (const l of LEXICONS) {
    const all = new Set(allPhrases(l).flatMap((p) => phraseKeys(p.replace(/\*$/, ''))));
    const byRole = new Map<MarkerRole, Set<string>>();
    for (const [role, field] of MARKER_FIELDS) byRole.set(role, new Set(((l[field] as readonly string[] | undefined) ?? []).flatMap((p) => phraseKeys(p.replace(/\*$/, '')))));
    out.set(l.language, { all, byRole });
  }
  return out;
}

function buildMarkers(): { byFirstKey: Map<string, Marker[]>; stemsByPrefix: Map<string, Marker[]> } {
  const byFirstKey = new Map<string, Marker[]>();
  const stemsByPrefix = new Map<string, Marker[]>();
  const vocabulary = vocabularies();
  const meansOtherElsewhere = (key: string, role: MarkerRole, language: LanguageCode) =>
    [...vocabulary].some(([other, v]) => other !== language && v.all.has(key) && !v.byRole.get(role)!.has(key));
  for (const l of LEXICONS) {
    for (const [role, field] of MARKER_FIELDS) {
      for (const phrase of (l[field] as readonly string[] | undefined) ?? []) {
        const stem = phrase.endsWith('*');
        const keys = phraseKeys(stem ? phrase.slice(0, -1) : phrase);
        if (keys.length === 0) continue;
        const ambiguous = keys.length === 1 && meansOtherElsewhere(keys[0]!, role, l.language);
        const marker: Marker = { keys, role, language: l.language, stem: stem && keys.length === 1, ambiguous };
        if (marker.stem && keys[0]!.length >= STEM_PREFIX_LENGTH) {
          const prefix = keys[0]!.slice(0, STEM_PREFIX_LENGTH);
          const list = stemsByPrefix.get(prefix) ?? [];
          list.push(marker);
          stemsByPrefix.set(prefix, list);
        } else {
          const list = byFirstKey.get(keys[0]!) ?? [];
          list.push(marker);
          byFirstKey.set(keys[0]!, list);
        }
      }
    }
  }
  for (const list of byFirstKey.values()) list.sort((a, b) => b.keys.length - a.keys.length);
  return { byFirstKey, stemsByPrefix };
}

const MARKERS = buildMarkers();
/** Every negator of every language (and Arabic ones with "and" joined): a cheap test before the per-language lookup. */
const NEGATOR_WORDS: ReadonlySet<string> = new Set(
  [...MARKERS.byFirstKey.values()].flat().filter((m) => m.role === 'negator' && m.keys.length === 1).map((m) => m.keys[0]!),
);
const NO_LANGUAGES: readonly LanguageCode[] = [];
const HAS_DIGIT = /\d/;

const NO_MARKERS: readonly Marker[] = [];

/** Per-word markers (exact single words and stems); read through cueFacts, which keeps them per word. */
function singleWordMarkers(key: string): readonly Marker[] {
  let found: Marker[] | undefined;
  for (const m of MARKERS.byFirstKey.get(key) ?? []) if (m.keys.length === 1) (found ??= []).push(m);
  if (key.length >= STEM_PREFIX_LENGTH) {
    for (const m of MARKERS.stemsByPrefix.get(key.slice(0, STEM_PREFIX_LENGTH)) ?? []) if (key.startsWith(m.keys[0]!)) (found ??= []).push(m);
  }
  if (!found) {
    const bare = withoutConjunction(key);
    if (bare !== undefined) found = singleWordMarkers(bare) as Marker[];
  }
  return found && found.length > 0 ? found : NO_MARKERS;
}

/** Words that negate inside themselves (Turkish), by language. */
const FUNCTION_PATTERNS: ReadonlyArray<{ pattern: RegExp; language: LanguageCode }> = LEXICONS.flatMap((l) =>
  (l.functionPatterns ?? []).map((pattern) => ({ pattern, language: l.language })),
);
/** The language of a word that negates a function verb inside itself ("açılmıyor"); read through cueFacts. */
function functionPatternLanguage(key: string): LanguageCode | undefined {
  if (FUNCTION_PATTERNS.length === 0 || key.length < 5) return undefined;
  return FUNCTION_PATTERNS.find(({ pattern }) => pattern.test(key))?.language;
}
const startsWithDigit = (key: string) => key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57;

const HYPOTHETICAL_ENDINGS: ReadonlyArray<{ ending: string; language: LanguageCode }> = LEXICONS.flatMap((l) =>
  (l.hypotheticalEndings ?? []).map((ending) => ({ ending, language: l.language })),
);

/** Folded words of one lexicon field, to the languages that list them. */
function wordsOf(field: 'postNegators' | 'tagNegators' | 'progressiveAuxiliaries' | 'speakerAuxiliaries' | 'questionParticles' | 'conditionalThen' | 'conditionalVerbs' | 'futureWords' | 'shownVerbs'): ReadonlyMap<string, readonly LanguageCode[]> {
  const out = new Map<string, LanguageCode[]>();
  for (const l of LEXICONS) {
    for (const w of l[field] ?? []) {
      for (const key of phraseKeys(w)) {
        const list = out.get(key) ?? [];
        if (!list.includes(l.language)) list.push(l.language);
        out.set(key, list);
      }
    }
  }
  return out;
}
/** "down nahi hai": a negator after a state denies it, in languages that put the verb last. */
const POST_NEGATORS = wordsOf('postNegators');
/** "share kar na", "bata na": a negator that ends its clause is a tag ("won't you?"), not a negation. */
const TAG_NEGATORS = wordsOf('tagNegators');
/** "aage hi nahi badh raha": a negated progressive ("is not moving on"), whatever its verb. */
const PROGRESSIVE_AUXILIARIES = wordsOf('progressiveAuxiliaries');
/** "nahi dekh raha hu": the progressive of the speaker (or the listener), who is not the service. */
const SPEAKER_AUXILIARIES = wordsOf('speakerAuxiliaries');
const SPEAKER_IS_SUBJECT = -2;
/** At most this many words (the verb, a light verb) between the negator and the progressive auxiliary. */
const PROGRESSIVE_WINDOW = 3;
/** "chal raha hai kya": a clause ending with one of these asks. */
const QUESTION_PARTICLES = wordsOf('questionParticles');
/** Conditionals without an "if": "<perfective or subjunctive verb> to ... <future>" ("down hua to ... aa jayenge"). */
const CONDITIONAL_THEN = wordsOf('conditionalThen');
const CONDITIONAL_VERBS = wordsOf('conditionalVerbs');
const FUTURE_WORDS = wordsOf('futureWords');
const FUTURE_ENDINGS: ReadonlyArray<{ ending: string; language: LanguageCode }> = LEXICONS.flatMap((l) =>
  (l.futureEndings ?? []).map((ending) => ({ ending, language: l.language })),
);
/** After a quoted text, the words that say an app shows it ("'session expired' aa raha"). */
const SHOWN_VERBS = wordsOf('shownVerbs');
/** Only posts in these languages are searched for quotes: most posts have an apostrophe, few a shown quote. */
const SHOWN_VERB_LANGUAGES: readonly LanguageCode[] = LEXICONS.filter((l) => (l.shownVerbs ?? []).length > 0).map((l) => l.language);

interface LanguagePhrase {
  readonly keys: readonly string[];
  readonly language: LanguageCode;
}
/** Phrases of one lexicon field by their first folded word, longest first. */
function phrasesOf(field: 'lingering' | 'endless'): ReadonlyMap<string, readonly LanguagePhrase[]> {
  const out = new Map<string, LanguagePhrase[]>();
  for (const l of LEXICONS) {
    for (const p of l[field] ?? []) {
      const keys = phraseKeys(p);
      if (keys.length === 0) continue;
      const list = out.get(keys[0]!) ?? [];
      list.push({ keys, language: l.language });
      out.set(keys[0]!, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => b.keys.length - a.keys.length);
  return out;
}
/**
 * A failure without a failure word: an app that sits in a state or keeps interrupting
 * (`lingering`: "stuck at", "queued", "skips", "reloads", "hängt", "rehta hai") and time without
 * end or repetition (`endless`: "forever", "for an hour", "every time", "over and over", "ogni",
 * "ghanto tak") in the same clause. Neither alone says anything ("skips the intro", "for hours").
 */
const LINGERING = phrasesOf('lingering');
const ENDLESS = phrasesOf('endless');
/** Languages in which a statement and a question differ only by "?" or a particle (no inversion): "chal raha hai?". */
const UNINVERTED_QUESTION_LANGUAGES: ReadonlySet<LanguageCode> = new Set(LEXICONS.filter((l) => (l.questionParticles ?? []).length > 0).map((l) => l.language));
/**
 * The status line an app shows while it fails, written with its ellipsis ("connecting...",
 * "waiting for network..."): quoting it is saying the app is stuck there.
 */
const STATUS_BEFORE_ELLIPSIS = new Set(['connecting', 'reconnecting']);
const MIN_FUTURE_WORD_LENGTH = 5;

const inLanguages = (languages: ReadonlySet<LanguageCode> | undefined, of: readonly LanguageCode[] | undefined) =>
  languages !== undefined && of !== undefined && of.some((l) => languages.has(l));

function isFutureWord(key: string, languages: ReadonlySet<LanguageCode>): boolean {
  if (inLanguages(languages, FUTURE_WORDS.get(key))) return true;
  if (key.length < MIN_FUTURE_WORD_LENGTH) return false;
  return FUTURE_ENDINGS.some(({ ending, language }) => languages.has(language) && key.endsWith(ending));
}

/**
 * "discord down hua to whatsapp call pe aa jayenge": a then-word right after a perfective or
 * subjunctive verb, and a verb in the future later in the sentence. "band hai to telegram use
 * karunga" ("it is down, so I'll use telegram") is not one: "hai" is not a conditional form.
 */
function opensConditional(tokens: readonly Token[], i: number, languages: ReadonlySet<LanguageCode> | undefined): boolean {
  if (languages === undefined || i === 0) return false;
  if (!inLanguages(languages, CONDITIONAL_THEN.get(tokens[i]!.key)) || !inLanguages(languages, CONDITIONAL_VERBS.get(tokens[i - 1]!.key))) return false;
  for (let k = i + 1; k < tokens.length && tokens[k]!.kind !== 'boundary'; k++) if (isFutureWord(tokens[k]!.key, languages)) return true;
  return false;
}

/** A clause that asks: it ends with "?" or with a question particle of the post's language ("chal raha hai kya"). */
function isQuestion(tokens: readonly Token[], start: number, end: number, languages: ReadonlySet<LanguageCode> | undefined): boolean {
  let last = end - 1;
  if (last >= start && tokens[last]!.kind === 'boundary') {
    if (tokens[last]!.key === '?') return true;
    last--;
  }
  return last >= start && inLanguages(languages, QUESTION_PARTICLES.get(tokens[last]!.key));
}

const QUOTE_THEN_WORD = /(?<![\p{L}\p{N}])['"“‘«]([^\n]{2,120}?)['"”’»](?![\p{L}\p{N}])\s*((?:hi\s+)?)([\p{L}]+)/gu;

/**
 * Quoted texts followed by a word that says the app shows them ("fb pe 'session expired' aa
 * raha"), as token ranges [first quoted token, the shown verb]. Tokens carry no offsets, so the
 * text before each is tokenised again: only posts that quote and use such a verb pay for it.
 */
function shownQuotes(text: string, languages: ReadonlySet<LanguageCode> | undefined): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  if (languages === undefined || SHOWN_VERBS.size === 0) return found;
  for (const m of text.matchAll(QUOTE_THEN_WORD)) {
    const verb = foldKey(m[3]!);
    if (!inLanguages(languages, SHOWN_VERBS.get(verb))) continue;
    const start = tokenCount(text.slice(0, m.index));
    const verbAt = tokenCount(text.slice(0, m.index + m[0].length - m[3]!.length));
    if (verbAt > start) found.push({ start, end: verbAt + 1 });
  }
  return found;
}
const tokenCount = (text: string) => tokenise(text).tokens.length;
const foldKey = (word: string) => phraseKeys(word)[0] ?? '';

// ---------------------------------------------------------------------------------------------
// The word "down"

/** Verbs that take "down" as a particle a few words later ("turned my notifications down", "shut it down"). */
const DOWN_PARTICLE_VERBS = new Set([
  'turn', 'turned', 'turning', 'turns', 'shut', 'shuts', 'shutting', 'calm', 'slow', 'cut', 'cutting', 'crack', 'cracking',
  'cracked', 'cracks', 'settle', 'settling', 'put', 'putting', 'puts', 'write', 'wrote', 'written', 'writing', 'tone',
  'toned', 'water', 'watered', 'wind', 'winding', 'narrow', 'narrowing', 'bring', 'bringing', 'brought', 'let', 'letting',
  'hold', 'holding', 'track', 'tracking', 'knock', 'knocked', 'pin', 'pinned', 'scale', 'scaled', 'scaling', 'boil',
  'boiled', 'dial', 'dialed', 'dialled', 'hand', 'handed', 'jot', 'mark', 'marked', 'marking', 'wash', 'washed', 'gulp',
  'gulped',
]);
/** Words just before "down" that make it a direction or a mood ("sit down", "feeling down", "you down?"). */
const DOWN_MOOD_BEFORE = new Set([
  'sit', 'sitting', 'sat', 'lay', 'laying', 'lie', 'lying', 'back', 'step', 'stepped', 'stepping', 'steps', 'look',
  'looking', 'looked', 'count', 'upside', 'thumbs', 'burn', 'burned', 'burnt', 'tear', 'tore', 'torn', 'feeling', 'feel',
  'felt', 'feels', "i'm", "we're", 'you', 'u', "y'all", "who's", 'whos', 'ups', 'cool', 'chill', 'laid', 'hunker',
  'hunkered', 'pipe',
]);
/** What may follow "down for" in an outage ("down for everyone", "down for 2 hours"). */
const DOWN_FOR_OUTAGE = new Set([
  'me', 'everyone', 'everybody', 'anyone', 'anybody', 'you', 'us', 'all', 'hours', 'hour', 'minutes', 'mins', 'days',
  'ages', 'an', 'maintenance', 'millions', 'many', 'most', 'some', 'people', 'users', 'others', 'over', 'almost', 'nearly',
  'like', 'several', 'multiple', 'too', 'literally', 'at', 'the', 'a', 'half', 'whole', 'everyone?', 'others?', 'so',
  'long', 'good', 'our', 'my', 'his', 'her', 'their', 'whole',
]);
/** After "down for a ..." / "down for the ...": only time spans keep it an outage. */
const DOWN_FOR_ARTICLE_OUTAGE = new Set(['while', 'bit', 'few', 'couple', 'day', 'week', 'minute', 'second', 'past', 'last', 'whole', 'entire', 'hour', 'long', 'good', 'lot']);
const DOWN_BLOCKING_NEXT = new Set([
  'to', 'with', 'the', 'under', 'south', 'bad', 'votes', 'vote', 'voted', 'arrow', 'arrows', 'button', 'payment',
  'jacket', 'syndrome', 'hill', 'memory', 'stairs', 'there', 'here', 'low', 'pat', 'side', 'town', 'street', 'road',
]);
const TIME_UNITS = new Set(['hours', 'hour', 'hrs', 'hr', 'h', 'minutes', 'minute', 'mins', 'min', 'days', 'day', 'seconds']);
const PERCENT_WORDS = new Set(['%', 'percent', 'per', 'points', 'pts', 'prozent', 'por', 'pour', 'bps', 'yuzde', 'persen']);

/** Cues that a clause about markets turns into share-price talk ("Meta shares down 3%", "акции упали"). */
const FINANCE_SENSITIVE = new Set([
  'down', 'crash', 'crashed', 'crashes', 'crashing', 'fell', 'fall', 'drop', 'dropped', 'dropping', 'plunge', 'plunged',
  'tanked', 'caiu', 'cairam', 'bajaron', 'caen', 'fallt', 'chute', 'dead', 'broke', 'broken', 'problems', 'issues', 'упал',
  'упала', 'упало', 'упали', 'лег', 'coktu', 'crollano', 'despencam', 'anjlok', 'تتراجع', 'طاح',
]);
const PAST_AFTER_LAST = new Set(['year', 'month', 'week', 'summer', 'winter', 'spring', 'autumn', 'fall', 'time']);
const MODALS = new Set(['should', 'would', 'could', 'might', 'will', 'gonna', 'may', 'must']);
const STATE_NEGATORS = new Set(['not', "isn't", "aren't", "wasn't", "weren't", "ain't", 'never', 'nicht', 'pas']);
/** Cues that describe a state ("down", "broken"): a negator just before them flips them ("isn't actually down"). */
const STATE_CUES = new Set(['down', 'broken', 'broke', 'dead', 'crashing', 'caido', 'en panne', 'panne', 'storung', 'offline', 'outage', 'failing']);
/** HTTP 5xx written as a plural ("throwing 503s"): a status code repeated is an outage on its own. */
const HTTP_5XX_PLURAL = /^5\d\d'?s$/;
const HTTP_5XX = /^5\d\d$/;
/** Codes services print: a number of three digits or more, or letters and digits together ("m7111", "0x87dd0006", "nw-2-5"). */
const ERROR_CODE = /^(?:\d{3,}|(?=[\p{L}\d-]*\d)(?=[\p{L}\d-]*\p{L})[\p{L}\d][\p{L}\d-]+)$/u;
/** Share-price and calendar numbers are not codes. */
const YEAR = /^(19|20)\d\d$/;

const NEGATION_WINDOW = 3;
const CJK_WORD = /[\u3040-\u30ff\u4e00-\u9fff]/;
const ERROR_CODE_WINDOW = 2;

const isWordLike = (t: Token | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'hashtag');

/**
 * What the cue reader asks about one word, answered once per distinct word and kept on its
 * facts record (text-tokens.ts): the lexicon's phrases starting with it, its markers, whether it
 * negates, is a particle, an error code, a word of lingering or endless time. Pure functions of
 * the key; which of them apply to a post (its languages) is still decided per post.
 */
export interface CueWordFacts {
  /** The cue phrases that may start at this word, and the key they start with (the word, or the word without an Arabic "and"). */
  readonly entries: FirstKeyEntries | undefined;
  readonly entriesFirst: string;
  /** Markers of one word and of stems (singleWordMarkers). */
  readonly markers: readonly Marker[];
  /** Every marker starting with this word when one of them has several words (longest first), else undefined. */
  readonly phraseMarkers: readonly Marker[] | undefined;
  /** A negator of some language (also with an Arabic "and" before it): worth the per-language look. */
  readonly negator: boolean;
  readonly functionPattern: LanguageCode | undefined;
  /** A code services print ("279", "m7111", "nw-2-5"). */
  readonly errorCode: boolean;
  /** A one-word error marker ("error", "hata", "エラー"). */
  readonly errorWord: boolean;
  readonly particle: boolean;
  readonly endless: boolean;
  readonly lingering: boolean;
  readonly conditionalThen: boolean;
  readonly statusBeforeEllipsis: boolean;
  readonly inCueLexicon: boolean;
}

declare module './text-tokens' {
  interface WordFacts {
    /** outage-cues.ts: cue phrases starting here, markers, negator, error code, particle. */
    cues: CueWordFacts | undefined;
  }
}

/** The facts of a word the cue reader knows nothing about (most words): one record for all of them. */
const NO_CUE_FACTS: CueWordFacts = Object.freeze({
  entries: undefined, entriesFirst: '', markers: NO_MARKERS, phraseMarkers: undefined, negator: false, functionPattern: undefined, errorCode: false,
  errorWord: false, particle: false, endless: false, lingering: false, conditionalThen: false, statusBeforeEllipsis: false, inCueLexicon: false,
});

function cueFacts(token: Token): CueWordFacts {
  return token.facts.cues ?? computeCueFacts(token.facts);
}

function computeCueFacts(facts: WordFacts): CueWordFacts {
  const key = facts.key;
  let entries = CUE_INDEX.get(key);
  let entriesFirst = key;
  if (!entries) {
    const bare = withoutConjunction(key);
    entries = bare === undefined ? undefined : CUE_INDEX.get(bare);
    if (entries) entriesFirst = bare!;
  }
  const markers = singleWordMarkers(key);
  const phrases = MARKERS.byFirstKey.get(key);
  const made: CueWordFacts = {
    entries,
    entriesFirst,
    markers,
    phraseMarkers: phrases && phrases[0]!.keys.length > 1 ? phrases : undefined,
    negator: NEGATOR_WORDS.has(key) || (key.length > 1 && NEGATOR_WORDS.has(key.slice(1))),
    functionPattern: functionPatternLanguage(key),
    errorCode: HAS_DIGIT.test(key) && ERROR_CODE.test(key),
    errorWord: markers.some((m) => m.role === 'errorWord'),
    particle: PARTICLE_WORDS.has(key),
    endless: ENDLESS.has(key),
    lingering: LINGERING.has(key),
    conditionalThen: CONDITIONAL_THEN.has(key),
    statusBeforeEllipsis: STATUS_BEFORE_ELLIPSIS.has(key),
    inCueLexicon: CUE_LEXICON.has(key),
  };
  const known =
    made.entries !== undefined || made.markers !== NO_MARKERS || made.phraseMarkers !== undefined || made.negator || made.functionPattern !== undefined ||
    made.errorCode || made.errorWord || made.particle || made.endless || made.lingering || made.conditionalThen || made.statusBeforeEllipsis || made.inCueLexicon;
  facts.cues = known ? made : NO_CUE_FACTS;
  return facts.cues;
}

interface EntryMatch {
  readonly entry: LexiconEntry;
  /** Tokens the match covers: the phrase's words and the particles read through between them. */
  readonly span: number;
}

/** At most this many particles between two words of a phrase. */
const MAX_PARTICLES_BETWEEN = 2;

/** The entries that may match at token i: those whose second key is the next word (or the word after particles), then the one-word ones. */
function candidatesAt(index: FirstKeyEntries, tokens: readonly Token[], i: number): readonly LexiconEntry[] {
  const next = tokens[i + 1];
  const direct = next === undefined ? undefined : index.bySecond.get(next.key);
  if (!index.particles || next === undefined || !cueFacts(next).particle) return direct ?? index.single;
  // "chal hi nahi raha": the second word may stand after particles.
  const found = new Set<LexiconEntry>();
  for (const e of direct ?? []) if (e.keys.length > 1) found.add(e);
  for (let t = i + 1; t <= i + MAX_PARTICLES_BETWEEN && PARTICLE_WORDS.has(tokens[t]?.key ?? ''); t++) {
    for (const e of index.bySecond.get(tokens[t + 1]?.key ?? '') ?? []) if (e.keys.length > 1) found.add(e);
  }
  if (found.size === 0) return index.single;
  return [...[...found].sort(byEntryOrder), ...index.single];
}

function matchEntry(tokens: readonly Token[], i: number, skip: Uint8Array): EntryMatch | undefined {
  const facts = cueFacts(tokens[i]!);
  const index = facts.entries;
  if (!index) return undefined;
  const first = facts.entriesFirst;
  for (const entry of candidatesAt(index, tokens, i)) {
    let ok = true;
    let t = i;
    for (let k = 0; k < entry.keys.length; k++, t++) {
      if (k > 0 && entry.particles !== undefined) {
        // "chal hi nahi raha" is "chal nahi raha" said harder: a particle between two words is read through.
        for (let n = 0; n < MAX_PARTICLES_BETWEEN; n++) {
          const p = tokens[t];
          if (p === undefined || p.kind !== 'word' || skip[t] || p.key === entry.keys[k] || !entry.particles.has(p.key)) break;
          t++;
        }
      }
      const token = tokens[t];
      if (!isWordLike(token) || skip[t] || (k === 0 ? first : token!.key) !== entry.keys[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return { entry, span: t - i };
  }
  return undefined;
}

/** Markers starting at token i: multi-word phrases first, then the word itself and its stems. */
function markersAt(tokens: readonly Token[], i: number): readonly Marker[] {
  const t = tokens[i]!;
  if (!isWordLike(t)) return NO_MARKERS;
  const facts = cueFacts(t);
  const single = facts.markers;
  const phrases = facts.phraseMarkers;
  if (!phrases) return single;
  const found: Marker[] = [];
  for (const m of phrases) {
    if (m.keys.length === 1) break;
    let ok = true;
    for (let k = 1; k < m.keys.length && ok; k++) ok = isWordLike(tokens[i + k]) && tokens[i + k]!.key === m.keys[k];
    if (ok) found.push(m);
  }
  return found.length === 0 ? single : found.concat(single);
}

/**
 * How many cue phrases of each language a post holds (English excepted), longest match first:
 * evidence for language detection, read before the cues themselves, whose context words depend
 * on the language.
 */
/** No token skipped: every index reads undefined, which is falsy (made once, never written). */
const NOTHING_SKIPPED = new Uint8Array(0);

export function cueLanguageVotes(tokens: readonly Token[]): Map<LanguageCode, number> {
  const votes = new Map<LanguageCode, number>();
  const none = NOTHING_SKIPPED;
  for (let i = 0; i < tokens.length; i++) {
    if (!isWordLike(tokens[i])) continue;
    const match = matchEntry(tokens, i, none);
    if (!match) {
      const negatedInside = cueFacts(tokens[i]!).functionPattern;
      if (negatedInside !== undefined) votes.set(negatedInside, (votes.get(negatedInside) ?? 0) + 1);
      continue;
    }
    const { entry } = match;
    if (entry.language !== 'en') votes.set(entry.language, (votes.get(entry.language) ?? 0) + entry.keys.length);
    i += match.span - 1;
  }
  return votes;
}

/** The rules for the one word that is most often not an outage. */
/** The key of a word, hashtag or symbol at k, else undefined (a boundary, or past either end). */
function keyAround(tokens: readonly Token[], k: number): string | undefined {
  return isWordLike(tokens[k]) || tokens[k]?.kind === 'symbol' ? tokens[k]!.key : undefined;
}

function downIsOutage(tokens: readonly Token[], i: number): boolean {
  const prev1 = keyAround(tokens, i - 1);
  if (prev1 && DOWN_MOOD_BEFORE.has(prev1)) return false;
  for (let k = 1; k <= 4; k++) {
    const prev = tokens[i - k];
    if (!prev || prev.kind !== 'word' || prev.key === 'but' || prev.key === 'so' || prev.key === 'because') break;
    if (DOWN_PARTICLE_VERBS.has(prev.key)) return false;
  }
  const next1 = keyAround(tokens, i + 1);
  const next2 = keyAround(tokens, i + 2);
  const next3 = keyAround(tokens, i + 3);
  if (next1 === undefined) return true;
  if (next1 === 'for') {
    if (next2 === undefined) return false;
    if (/^\d+$/.test(next2)) return true;
    if (next2 === 'a' || next2 === 'the' || next2 === 'an') return next3 !== undefined && (DOWN_FOR_ARTICLE_OUTAGE.has(next3) || next2 === 'an');
    return DOWN_FOR_OUTAGE.has(next2);
  }
  if (/^\d+([.,]\d+)?$/.test(next1)) {
    // "down 5%" is a price; "down 2 hours" is an outage.
    if (next2 !== undefined && PERCENT_WORDS.has(next2)) return false;
    return next2 === undefined || TIME_UNITS.has(next2) || !/^\d/.test(next2);
  }
  return !DOWN_BLOCKING_NEXT.has(next1);
}

/**
 * Whether a context word counts in this post: a word that means the same in every language
 * always does; an ambiguous one only when the post is in its language (English ones also when
 * the language is not known, English being the language most posts without evidence are in).
 */
const applies = (languages: ReadonlySet<LanguageCode> | undefined, m: Marker) =>
  !m.ambiguous || (languages === undefined ? m.language === 'en' : languages.has(m.language));

/** What a clause is about, from its markers. */
interface ClauseContext {
  past: boolean;
  hypothetical: boolean;
  finance: boolean;
  postmortem: boolean;
  news: boolean;
  delivery: boolean;
  surface: boolean;
}

/** The clause being read: where it started, its cues and supposed states so far, what it is about. */
interface OpenClause {
  start: number;
  cues: Cue[];
  /** The clause's supposed states ("se o zap cair"): they go to `dropped` whatever the clause says. */
  supposed: Cue[];
  context: ClauseContext;
}

/** What analyseCues reads and fills for the whole post (one object a post, not a closure: see closeClause). */
interface PostCueState {
  readonly tokens: readonly Token[];
  readonly skip: Uint8Array;
  readonly consumed: Uint8Array;
  readonly clauses: Clause[];
  readonly languagesAllowed: ReadonlySet<LanguageCode> | undefined;
  readonly asksPlainly: boolean;
}

function newClauseContext(): ClauseContext {
  return { past: false, hypothetical: false, finance: false, postmortem: false, news: false, delivery: false, surface: false };
}

/**
 * Ends the open clause at `end`: adds its rule cues, neutralises or filters them, and starts the
 * next one. A module function rather than a closure inside analyseCues: under tsx (keepNames) a
 * named closure costs a defineProperty each time it is created, which the profile of ingest's
 * reading showed at several per cent.
 */
function closeClause(post: PostCueState, open: OpenClause, end: number): void {
  const { tokens, skip, consumed, clauses, languagesAllowed, asksPlainly } = post;
  const { start, cues, supposed, context } = open;
  if (end > start || cues.length > 0 || supposed.length > 0) {
    let settled = addRuleCues(tokens, start, end, skip, consumed, cues, languagesAllowed);
    if (cues.length === 0 && supposed.length === 0) {
      // Most clauses say nothing: no cue to neutralise, filter or drop (the same clause the general path gives).
      clauses.push(settled ? { start, end, cues: NO_CUES, settled: true } : { start, end, cues: NO_CUES });
      resetClause(open, end);
      return;
    }
    const neutralisedBy = clauseNeutraliser(tokens, start, end, cues, context);
    const filtered = neutralisedBy ? undefined : filterCues(tokens, cues, start, end);
    let kept = filtered ? filtered.kept : cues.filter((c) => c.polarity === 'working');
    // "whatsapp chal raha hai kisi ka?": in a language without inversion, "works?" asks, it does not say it works.
    if (asksPlainly && kept.some((c) => c.polarity === 'working') && isQuestion(tokens, start, end, languagesAllowed)) {
      kept = kept.filter((c) => c.polarity !== 'working');
      settled = true;
    }
    const dropped = [...(filtered ? filtered.dropped : cues.filter((c) => c.polarity === 'outage')), ...supposed];
    clauses.push({
      start,
      end,
      cues: kept,
      ...(neutralisedBy ? { neutralisedBy } : {}),
      ...(dropped.length > 0 ? { dropped } : {}),
      ...(settled ? { settled: true as const } : {}),
    });
  }
  resetClause(open, end);
}

const NO_CUES: readonly Cue[] = Object.freeze([]);

/** The next clause starts at `end`, with nothing read yet. The clause just closed kept none of these arrays (its own are new), so they are emptied for reuse. */
function resetClause(open: OpenClause, end: number): void {
  open.start = end;
  open.cues.length = 0;
  open.supposed.length = 0;
  const c = open.context;
  c.past = false;
  c.hypothetical = false;
  c.finance = false;
  c.postmortem = false;
  c.news = false;
  c.delivery = false;
  c.surface = false;
}

/**
 * Finds the cues of a tokenised post. `skip` marks tokens already read as something else (service
 * hashtags, whose "down" belongs to their service and not to the clause).
 */
export function analyseCues(postTokens: readonly Token[], skip: Uint8Array = new Uint8Array(postTokens.length), options: CueOptions = {}): CueAnalysis {
  const languagesAllowed = options.languages;
  const tokens = withLooseVowels(postTokens, languagesAllowed);
  const asksPlainly = languagesAllowed !== undefined && someIn(languagesAllowed, UNINVERTED_QUESTION_LANGUAGES);
  const quotes =
    options.text !== undefined && inLanguages(languagesAllowed, SHOWN_VERB_LANGUAGES) && /['"“‘«]/.test(options.text) ? shownQuotes(options.text, languagesAllowed) : [];
  const consumed = new Uint8Array(tokens.length);
  const clauseOf = new Int32Array(tokens.length);
  const clauses: Clause[] = [];
  const cueLanguages = new Set<CueLanguage>();

  let markerSpanEnd = 0;
  const open: OpenClause = { start: 0, cues: [], supposed: [], context: newClauseContext() };
  const post: PostCueState = { tokens, skip, consumed, clauses, languagesAllowed, asksPlainly };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'boundary') {
      clauseOf[i] = clauses.length;
      closeClause(post, open, i + 1);
      continue;
    }
    const facts = cueFacts(token);
    // The words inside a multi-word marker ("en caso de que") are not markers of their own.
    const markers = i < markerSpanEnd ? NO_MARKERS : markersAt(tokens, i);
    for (const m of markers) if (m.keys.length > 1) markerSpanEnd = Math.max(markerSpanEnd, i + m.keys.length);
    const atSentenceStart = i === 0 || tokens[i - 1]!.kind === 'boundary';
    let opensClause = false;
    for (const m of markers) {
      if (!applies(languagesAllowed, m)) continue;
      if (m.role === 'splitter' || m.role === 'hypothetical') opensClause = true;
    }
    if (opensClause && i > open.start) closeClause(post, open, i);
    clauseOf[i] = clauses.length;
    for (const m of markers) {
      if (!applies(languagesAllowed, m)) continue;
      switch (m.role) {
        case 'hypothetical':
          if (i === open.start) open.context.hypothetical = true;
          break;
        case 'conditional':
          // "if it goes down again": only a sentence that opens with it; "to see if X is down" asks.
          if (i === open.start && atSentenceStart) open.context.hypothetical = true;
          break;
        case 'past':
          if (!sinceAround(tokens, i, m.keys.length, languagesAllowed)) open.context.past = true;
          break;
        case 'finance': open.context.finance = true; break;
        case 'postmortem': open.context.postmortem = true; break;
        case 'news': open.context.news = true; break;
        case 'delivery': open.context.delivery = true; break;
        case 'surface': open.context.surface = true; break;
        default: break;
      }
    }
    // "2021" looks back; "error 2000" is a code that happens to look like a year.
    if (token.kind === 'word' && startsWithDigit(token.key) && YEAR.test(token.key) && !besideErrorWord(tokens, i)) open.context.past = true;
    if (token.key === 'last' && PAST_AFTER_LAST.has(tokens[i + 1]?.key ?? '')) open.context.past = true;
    if (facts.conditionalThen && opensConditional(tokens, i, languagesAllowed)) open.context.hypothetical = true;
    if (skip[i] || !isWordLike(token)) continue;

    const quote = quotes.length > 0 ? quotes.find((q) => q.start === i) : undefined;
    if (quote !== undefined && quote.end <= tokens.length) {
      for (let k = quote.start; k < quote.end; k++) {
        consumed[k] = 1;
        clauseOf[k] = clauses.length;
      }
      const quoted = tokens.slice(quote.start, quote.end - 1).map((t) => t.key).join(' ');
      open.cues.push({ start: quote.start, end: quote.end, polarity: 'outage', phrase: `shows "${quoted}"`, weak: false, recovery: false });
      i = quote.end - 1;
      continue;
    }
    if (facts.statusBeforeEllipsis && tokens[i + 1]?.kind === 'boundary' && tokens[i + 1]!.raw.startsWith('..')) {
      consumed[i] = 1;
      open.cues.push({ start: i, end: i + 1, polarity: 'outage', phrase: `${token.key}...`, weak: false, recovery: false });
      continue;
    }

    const match = matchEntry(tokens, i, skip);
    if (match) {
      const { entry, span } = match;
      for (let k = 0; k < span; k++) {
        consumed[i + k] = 1;
        clauseOf[i + k] = clauses.length;
      }
      if (entry.language !== 'en') cueLanguages.add(entry.language);
      if (entry.polarity === 'supposed') {
        open.supposed.push({ start: i, end: i + span, polarity: 'outage', phrase: entry.phrase, weak: false, recovery: false });
      } else if (entry.polarity !== 'idiom') {
        open.cues.push({ start: i, end: i + span, polarity: entry.polarity, phrase: entry.phrase, weak: entry.weak, recovery: entry.recovery });
      }
      // Markers inside the phrase ("last" in "last time it worked") still count.
      for (let k = 1; k < span; k++) {
        for (const m of cueFacts(tokens[i + k]!).markers) {
          if (!applies(languagesAllowed, m)) continue;
          if (m.role === 'delivery') open.context.delivery = true;
          else if (m.role === 'surface') open.context.surface = true;
          else if (m.role === 'finance') open.context.finance = true;
        }
      }
      i += span - 1;
      continue;
    }
    if (token.key === 'down' && (token.kind === 'hashtag' || downIsOutage(tokens, i))) {
      consumed[i] = 1;
      open.cues.push({ start: i, end: i + 1, polarity: 'outage', phrase: 'down', weak: false, recovery: false });
      continue;
    }
    if (token.key.charCodeAt(0) === 53 /* '5' */ && HTTP_5XX_PLURAL.test(token.key)) {
      consumed[i] = 1;
      open.cues.push({ start: i, end: i + 1, polarity: 'outage', phrase: `http ${token.key}`, weak: false, recovery: false });
      continue;
    }
    const negatedInside = facts.functionPattern;
    if (negatedInside !== undefined) {
      consumed[i] = 1;
      cueLanguages.add(negatedInside);
      open.cues.push({ start: i, end: i + 1, polarity: 'outage', phrase: token.key, weak: false, recovery: false });
    }
  }
  closeClause(post, open, tokens.length);
  return { clauses, clauseOf, consumed, languages: cueLanguages };
}

/** "down since yesterday", "desde ayer", "昨日から": a since-word beside a past marker makes it a start, not the past. */
function sinceAround(tokens: readonly Token[], i: number, length: number, languages: ReadonlySet<LanguageCode> | undefined): boolean {
  for (const k of [i - 1, i + length]) {
    const t = tokens[k];
    if (!isWordLike(t)) continue;
    if (cueFacts(t!).markers.some((m) => m.role === 'since' && applies(languages, m))) return true;
  }
  return false;
}

/**
 * The rules that read several words of a clause at once: negation scope, error codes, and the
 * bare 5xx status. They add cues only where no phrase already stands.
 */
function isFree(tokens: readonly Token[], k: number, start: number, end: number, skip: Uint8Array, consumed: Uint8Array): boolean {
  return k >= start && k < end && !skip[k] && !consumed[k] && isWordLike(tokens[k]);
}

/**
 * A free function word of one of the negator's languages at k. A word that means something else in
 * another language ("na" is Portuguese "in the", "de" "of") counts only in its own.
 */
function isFunctionOf(
  tokens: readonly Token[],
  k: number,
  start: number,
  end: number,
  skip: Uint8Array,
  consumed: Uint8Array,
  negatorLanguages: readonly LanguageCode[],
  languages: ReadonlySet<LanguageCode> | undefined,
): boolean {
  return (
    isFree(tokens, k, start, end, skip, consumed) &&
    cueFacts(tokens[k]!).markers.some((m) => m.role === 'function' && negatorLanguages.includes(m.language) && applies(languages, m))
  );
}

/** Some language of `list` is one of the negator's and one the post may be in. */
function inNegatorLanguage(list: readonly LanguageCode[] | undefined, negatorLanguages: readonly LanguageCode[], languages: ReadonlySet<LanguageCode> | undefined): boolean {
  return list !== undefined && list.some((l) => negatorLanguages.includes(l) && (languages === undefined || languages.has(l)));
}

function addRuleCues(
  tokens: readonly Token[],
  start: number,
  end: number,
  skip: Uint8Array,
  consumed: Uint8Array,
  cues: Cue[],
  languages: ReadonlySet<LanguageCode> | undefined,
): boolean {
  // No closures here (`free`, `isFunction`): under tsx each costs a defineProperty per clause; see closeClause.
  /** A negation was found whose subject is the speaker or the listener. */
  let settled = false;
  for (let i = start; i < end; i++) {
    if (!isFree(tokens, i, start, end, skip, consumed)) continue;
    const key = tokens[i]!.key;
    const facts = cueFacts(tokens[i]!);
    // Negation scope: negator and function word of one language, three words apart at most, either order.
    const negatorLanguages = facts.negator
      ? facts.markers.filter((m) => m.role === 'negator' && applies(languages, m)).map((m) => m.language)
      : NO_LANGUAGES;
    const endsClause = i + 1 >= end || tokens[i + 1]!.kind === 'boundary' || tokens[i + 1]!.kind === 'symbol';
    if (negatorLanguages.length > 0 && !(endsClause && TAG_NEGATORS.get(key)?.some((l) => negatorLanguages.includes(l)))) {
      let hit = -1;
      for (let d = 1; d <= NEGATION_WINDOW && hit < 0; d++) {
        for (const k of [i + d, i - d]) {
          if (isFunctionOf(tokens, k, start, end, skip, consumed, negatorLanguages, languages)) {
            hit = k;
            break;
          }
        }
      }
      if (hit >= 0) {
        // "refresh nahi ho raha", "deliver hi nahi ho rahe": a verb on the other side of the negator (particles
        // between) is part of the same phrase, which then ends where the verb the sentence is about stands.
        const step = hit > i ? -1 : 1;
        let other = i + step;
        while (isFree(tokens, other, start, end, skip, consumed) && cueFacts(tokens[other]!).particle) other += step;
        const outer = isFunctionOf(tokens, other, start, end, skip, consumed, negatorLanguages, languages) ? other : i;
        const from = Math.min(outer, hit);
        const to = Math.max(outer, hit) + 1;
        // "kyu nahi chala rahe ho", "use nahi kar raha hu": the listener or the speaker does not, the service is not the subject.
        if (speakerIsSubject(tokens, to, end, negatorLanguages, languages)) {
          settled = true;
          continue;
        }
        for (let k = from; k < to; k++) consumed[k] = 1;
        cues.push({ start: from, end: to, polarity: 'outage', phrase: `${tokens[from]!.key} ${tokens[to - 1]!.key}`, weak: false, recovery: false });
        continue;
      }
      const progressive = negatedProgressive(tokens, i, start, end, skip, consumed, negatorLanguages, languages);
      if (progressive === SPEAKER_IS_SUBJECT) settled = true;
      if (progressive > i) {
        for (let k = i; k <= progressive; k++) consumed[k] = 1;
        cues.push({ start: i, end: progressive + 1, polarity: 'outage', phrase: `${key} ... ${tokens[progressive]!.key}`, weak: false, recovery: false });
        continue;
      }
    }
    // Error evidence: a code beside an error word ("error 279", "hata kodu 279", "خطأ 503").
    if (facts.errorCode) {
      const evidence = besideErrorWord(tokens, i);
      if (evidence || (HTTP_5XX.test(key) && isBareStatus(tokens, i, end))) {
        consumed[i] = 1;
        cues.push({ start: i, end: i + 1, polarity: 'outage', phrase: `error ${key}`, weak: false, recovery: false });
      }
    }
  }
  addLingeringCue(tokens, start, end, skip, consumed, cues, languages);
  cues.sort((a, b) => a.start - b.start);
  return settled;
}

/**
 * A negator followed, within a few words, by the auxiliary of the progressive, in a language
 * that puts the verb between them ("nahi badh raha", "nahi ja pa rahe", "chal kyu nahi raha"
 * is the function-word rule's): "is not <doing>", said of whatever the clause names, whatever the
 * verb. Not when the auxiliary is the speaker's or the listener's ("nahi dekh raha hu", "kyu nahi
 * chala rahe ho"): then the person does not do it, and the service is not the subject.
 * Returns the auxiliary's index, SPEAKER_IS_SUBJECT, or -1.
 */
function negatedProgressive(
  tokens: readonly Token[],
  i: number,
  start: number,
  end: number,
  skip: Uint8Array,
  consumed: Uint8Array,
  negatorLanguages: readonly LanguageCode[],
  languages: ReadonlySet<LanguageCode> | undefined,
): number {
  if (PROGRESSIVE_AUXILIARIES.size === 0) return -1;
  for (let k = i + 2; k <= i + 1 + PROGRESSIVE_WINDOW && k < end; k++) {
    if (!isFree(tokens, k, start, end, skip, consumed) || !inNegatorLanguage(PROGRESSIVE_AUXILIARIES.get(tokens[k]!.key), negatorLanguages, languages)) continue;
    for (let b = i + 1; b < k; b++) if (!isFree(tokens, b, start, end, skip, consumed)) return -1;
    return speakerIsSubject(tokens, k, end, negatorLanguages, languages) ? SPEAKER_IS_SUBJECT : k;
  }
  return -1;
}

/** At token k (after a negated verb): a progressive auxiliary, if any, then the speaker's or the listener's ("raha hu", "rahe ho"). */
function speakerIsSubject(tokens: readonly Token[], k: number, end: number, negatorLanguages: readonly LanguageCode[], languages: ReadonlySet<LanguageCode> | undefined): boolean {
  if (SPEAKER_AUXILIARIES.size === 0) return false;
  let at = k;
  if (at < end && inNegatorLanguage(PROGRESSIVE_AUXILIARIES.get(tokens[at]!.key), negatorLanguages, languages)) at++;
  return at < end && at > k - 1 && tokens[at]!.kind === 'word' && inNegatorLanguage(SPEAKER_AUXILIARIES.get(tokens[at]!.key), negatorLanguages, languages);
}

/**
 * The length of a phrase of `table` that starts at token i in an allowed language, or 0. Its words
 * must be words of the clause [start, end) not in `skip`, and, when `consumed` is given, not in it either.
 */
function phraseAt(
  table: ReadonlyMap<string, readonly LanguagePhrase[]>,
  tokens: readonly Token[],
  i: number,
  start: number,
  end: number,
  skip: Uint8Array,
  consumed: Uint8Array | undefined,
  languages: ReadonlySet<LanguageCode> | undefined,
): number {
  for (const p of table.get(tokens[i]!.key) ?? []) {
    if (languages !== undefined && !languages.has(p.language)) continue;
    if (i + p.keys.length > end) continue;
    let ok = true;
    for (let k = 0; k < p.keys.length && ok; k++) {
      const at = i + k;
      const usable = consumed ? isFree(tokens, at, start, end, skip, consumed) : at >= start && at < end && !skip[at] && isWordLike(tokens[at]);
      ok = usable && tokens[at]!.key === p.keys[k];
    }
    if (ok) return p.keys.length;
  }
  return 0;
}

/** "spotify skips every song", "github actions queued for an hour": a lingering state with time without end, one cue per clause. */
function addLingeringCue(
  tokens: readonly Token[],
  start: number,
  end: number,
  skip: Uint8Array,
  consumed: Uint8Array,
  cues: Cue[],
  languages: ReadonlySet<LanguageCode> | undefined,
): void {
  if (LINGERING.size === 0) return;
  // Most clauses have no word of endless time: one look per word, nothing allocated.
  let first = start;
  while (first < end && !cueFacts(tokens[first]!).endless) first++;
  if (first === end) return;
  let endless = false;
  for (let k = first; k < end && !endless; k++) endless = cueFacts(tokens[k]!).endless && phraseAt(ENDLESS, tokens, k, start, end, skip, undefined, languages) > 0;
  if (!endless) return;
  for (let i = start; i < end; i++) {
    if (!isFree(tokens, i, start, end, skip, consumed) || !cueFacts(tokens[i]!).lingering) continue;
    const span = phraseAt(LINGERING, tokens, i, start, end, skip, consumed, languages);
    if (span === 0) continue;
    for (let k = i; k < i + span; k++) consumed[k] = 1;
    const phrase = tokens.slice(i, i + span).map((t) => t.key).join(' ');
    cues.push({ start: i, end: i + span, polarity: 'outage', phrase: `${phrase} (without end)`, weak: false, recovery: false });
    return;
  }
}

/** An error word within ERROR_CODE_WINDOW tokens of token i. */
function besideErrorWord(tokens: readonly Token[], i: number): boolean {
  for (let d = -ERROR_CODE_WINDOW; d <= ERROR_CODE_WINDOW; d++) {
    const t = tokens[i + d];
    if (d === 0 || !isWordLike(t)) continue;
    const facts = cueFacts(t!);
    if (facts.errorWord || (facts.phraseMarkers !== undefined && markersAt(tokens, i + d).some((m) => m.role === 'errorWord'))) return true;
  }
  return false;
}

/** A bare 500/502/503/504 is a status unless a unit follows it ("503 people", "500 million"). */
function isBareStatus(tokens: readonly Token[], i: number, end: number): boolean {
  if (!/^50[0-4]$/.test(tokens[i]!.key)) return false;
  const next = tokens[i + 1];
  if (i + 1 >= end || !next || next.kind !== 'word') return true;
  return cueFacts(next).inCueLexicon || ['on', 'en', 'em', 'sur', 'auf', 'su', 'in', 'at', 'for', 'again', 'when', 'every', 'all', 'from'].includes(next.key);
}

/** The key of the token k places before a cue, within its clause. */
function keyBefore(tokens: readonly Token[], cue: Cue, k: number, clauseStart: number): string | undefined {
  return cue.start - k >= clauseStart ? tokens[cue.start - k]?.key : undefined;
}

/** Drops or flips single cues by their immediate neighbours: modals, negators and conditional endings. */
function filterCues(tokens: readonly Token[], cues: readonly Cue[], clauseStart: number, clauseEnd: number): { kept: Cue[]; dropped: Cue[] } {
  const out: Cue[] = [];
  const dropped: Cue[] = [];
  for (const cue of cues) {
    // "telegram wala issue fix ho gaya", "the login problem is resolved": a weak cue names the problem a later recovery ends.
    if (cue.polarity === 'outage' && cue.weak && cues.some((c) => c.recovery && c.start >= cue.end)) continue;
    // "discord down nahi hai", "kharab nahi hai": a negator after a one-word state denies it.
    const after = cue.end < clauseEnd ? tokens[cue.end] : undefined;
    if (cue.polarity === 'outage' && after !== undefined && POST_NEGATORS.has(after.key) && (cue.end - cue.start === 1 || STATE_CUES.has(cue.phrase))) {
      out.push({ ...cue, polarity: 'working', phrase: `${cue.phrase} ${after.key}`, recovery: false });
      continue;
    }
    // "should be down for maintenance", "will be down tonight": announced or wished, not happening.
    const before1 = keyBefore(tokens, cue, 1, clauseStart);
    const before2 = keyBefore(tokens, cue, 2, clauseStart);
    if (before1 === 'be' && before2 !== undefined && MODALS.has(before2)) continue;
    // "çökerse" (if it crashes), "落ちたら" (if it goes down): a conditional ending on the cue itself.
    if (cue.polarity === 'outage' && conditionalEnding(tokens, cue)) {
      dropped.push(cue);
      continue;
    }
    if (cue.polarity === 'outage' && STATE_CUES.has(cue.phrase)) {
      const negated = (before1 !== undefined && STATE_NEGATORS.has(before1)) || (before2 !== undefined && STATE_NEGATORS.has(before2));
      if (negated) {
        out.push({ ...cue, polarity: 'working', phrase: `not ${cue.phrase}`, recovery: false });
        continue;
      }
    }
    out.push(cue);
  }
  return { kept: out, dropped };
}

function conditionalEnding(tokens: readonly Token[], cue: Cue): boolean {
  if (HYPOTHETICAL_ENDINGS.length === 0) return false;
  const last = tokens[cue.end - 1]!.key;
  // Japanese writes the ending as the next pieces of the same run ("落ちた" + "ら", "不安定" + "に" + "なったら").
  let tail = '';
  for (let k = cue.end; k < cue.end + 3 && CJK_WORD.test(last); k++) {
    const next = tokens[k];
    if (!next || next.kind !== 'word' || !CJK_WORD.test(next.key)) break;
    tail += next.key;
  }
  for (const { ending } of HYPOTHETICAL_ENDINGS) {
    if (last.length > ending.length + 2 && last.endsWith(ending)) return true;
    if (!tail) continue;
    const joined = last + tail;
    for (let p = Math.max(0, last.length - ending.length + 1); p <= joined.length - ending.length; p++) if (joined.startsWith(ending, p)) return true;
  }
  return false;
}

function clauseNeutraliser(tokens: readonly Token[], start: number, end: number, cues: readonly Cue[], context: ClauseContext): Neutraliser | undefined {
  const outage = cues.filter((c) => c.polarity === 'outage');
  if (outage.length === 0) return undefined;
  if (context.hypothetical) return 'hypothetical';
  if (context.past) return 'past';
  for (let i = start; i < end; i++) if (tokens[i]!.key === 'years' && tokens[i + 1]?.key === 'ago') return 'past';
  if (context.finance && outage.every((c) => FINANCE_SENSITIVE.has(c.phrase))) return 'finance';
  if (context.postmortem) return 'postmortem';
  if (context.news) return 'news';
  // "my parcel is stuck in the depot": about the parcel, unless the clause names the app or the site,
  // and does not say it works ("parcel nahi pahuncha, app theek hai").
  if (context.delivery && (!context.surface || cues.some((c) => c.polarity === 'working'))) return 'delivery';
  return undefined;
}
