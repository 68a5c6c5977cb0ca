/**
 * Turning a post into tokens that every later step (service matching, outage cues, the problem
 * classifier) can look up in a Map without further work.
 *
 * Each token carries a `key`: lower case, diacritics folded ("caído" -> "caido", "Störung" ->
 * "storung"), curly apostrophes straightened, a trailing possessive "'s" dropped and a few
 * apostrophe-less contractions restored ("cant" -> "can't"). Folding is what lets a lexicon
 * written once match "não funciona", "nao funciona" and "NÃO FUNCIONA" alike.
 *
 * Sentence punctuation is kept as `boundary` tokens because outage intent is decided per clause
 * ("instagram works fine. whatsapp is down"). A full stop inside a word ("facebook.com",
 * "1.1.1.1") is not a boundary, so domains become word sequences ("facebook com") that the
 * catalog's aliases, tokenised the same way, match.
 */
import type { LanguageCode } from './lexicon/types';
import { RegexpTokenizer } from './natural-parts';

export type TokenKind = 'word' | 'hashtag' | 'handle' | 'boundary' | 'symbol';

export interface Token {
  readonly kind: TokenKind;
  /** What lookups use: folded lower case, no '#' or '@'. */
  readonly key: string;
  /** As typed, without '#' or '@'. */
  readonly raw: string;
  /** First letter typed in upper case: a proper-noun hint for ambiguous names ("on Steam"). */
  readonly capitalised: boolean;
  /** First token of the post or of a sentence, where capitals say nothing. */
  readonly sentenceStart: boolean;
  /** What the lexicons and the catalog say about `key`, worked out once per distinct key (see WordFacts). */
  readonly facts: WordFacts;
}

/**
 * Everything a post's reading looks up about one word, by its key, kept in a bounded cache so
 * that a word seen before costs one field read a question instead of a Map lookup (or a regular
 * expression) each time each step asks: about ten lookups a word a post before. Each module fills
 * its own part the first time it reads the word (undefined until then), so this module needs
 * none of their tables. Every part is a pure function of the key (and, for `names`, of the
 * service index that filled it), so a cached answer is the answer.
 */
export interface WordFacts {
  readonly key: string;
  // outage-cues.ts adds `cues` (cue phrases starting here, markers, negator, error code,
  // particle), understanding.ts `reading` (whether the word carries meaning, and the other word
  // lists it is in) and service-index.ts `names` (names starting with this word, inflected and
  // fuzzy readings, for the index `namesOf`), each with `declare module './text-tokens'`, so
  // that this module imports none of them.
  /** language-detect.ts: the Latin-script languages this word is a function word of (null: none). */
  stopwordLanguages: readonly LanguageCode[] | null | undefined;
  namesOf: object | undefined;
  /** problem-classifier.ts: the key's stem, the problem classifier's feature. */
  stem: string | undefined;
}

/**
 * A cache of at most `2 * generation` entries: lookups go to the young generation, then the old
 * one (a hit there moves the entry back to the young one); when the young one is full it becomes
 * the old one and the old one is dropped. Words used again survive, words seen once go: memory
 * stays flat on a firehose with an open vocabulary, and the hot words stay cached (a plain size cap
 * that is cleared would drop them too; a first-in-first-out one drops the oldest, the commonest).
 */
export class BoundedCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  hits = 0;
  misses = 0;
  constructor(readonly generation: number) {}
  get(key: string): V | undefined {
    const found = this.young.get(key);
    if (found !== undefined) {
      this.hits++;
      return found;
    }
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.hits++;
      this.set(key, aged);
      return aged;
    }
    this.misses++;
    return undefined;
  }
  set(key: string, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
  /** Entries held (a key in both generations counts twice): at most 2 * generation. */
  get size(): number {
    return this.young.size + this.old.size;
  }
}

export interface TokenisedText {
  readonly tokens: readonly Token[];
  /**
   * Every hashtag of the post, normalised for trend counting: lower case (Unicode NFC), no '#',
   * underscores and diacritics kept as typed ("facebook_down", "störung"), duplicates removed, in
   * order of first appearance. Service matching folds further; trends should show what people typed.
   */
  readonly hashtags: readonly string[];
}

/**
 * Words (with their combining marks: Devanagari vowel signs and Arabic harakat are marks, not
 * letters), hashtags and handles; hyphenated runs, kept whole only when they hold a digit
 * ("NW-2-5", "gpt-4" are codes; "wi-fi" is two words); then sentence punctuation, Latin only when
 * followed by a space or the end (so "facebook.com" is not split), CJK, Arabic and Devanagari
 * stops anywhere; then commas and '%' ("down 5%" is about a share price). Emojis and other
 * symbols are gaps.
 */
const TOKEN_PATTERN =
  /[#@]?[\p{L}\p{M}\p{N}_]+(?:['’][\p{L}\p{M}\p{N}]+)*(?:-[\p{L}\p{M}\p{N}]+)*|[.!?;\n]+(?=\s|$)|[?!？！。؟।]+|[,%、，،]/gu;
const tokenizer = new RegexpTokenizer({ pattern: TOKEN_PATTERN, gaps: false });

const NON_ASCII = /[^\u0020-\u007e]/;
/** Accents come off Latin, Greek and Cyrillic letters only: a Devanagari vowel sign or a Japanese dakuten is part of the letter. */
const ACCENTS_ON_ALPHABETS = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;
const ARABIC = /[\u0600-\u06ff]/;
const ARABIC_MARKS = /[\u064b-\u065f\u0670\u0640]/g;
const ARABIC_LETTER_VARIANTS: Record<string, string> = { 'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ة': 'ه', 'ى': 'ي', 'ؤ': 'و', 'ئ': 'ي', 'ک': 'ك', 'ی': 'ي' };
const ARABIC_VARIANT_PATTERN = /[أإآٱةىؤئکی]/g;
const DEVANAGARI = /[\u0900-\u097f]/;
const FULLWIDTH = /[\uff00-\uffef]/;

/**
 * Lower case without diacritics: the form every lexicon and index is keyed by. Arabic letter
 * variants people use interchangeably (أ/إ/ا, ة/ه, ى/ي) are unified and harakat dropped;
 * Devanagari loses only its nukta and chandrabindu (ज़/ज, ँ/ं are spelled both ways); Turkish
 * dotless ı is i; full-width Latin (ＹｏｕＴｕｂｅ) is ordinary Latin.
 */
export function foldText(text: string): string {
  let lower = text.toLowerCase();
  if (!NON_ASCII.test(lower)) return lower;
  if (FULLWIDTH.test(lower)) lower = lower.normalize('NFKC').toLowerCase();
  let folded = lower.normalize('NFD').replace(ACCENTS_ON_ALPHABETS, '$1').replace(/ß/g, 'ss').replace(/[’‘]/g, "'").replace(/ı/g, 'i');
  if (ARABIC.test(folded)) folded = folded.replace(ARABIC_MARKS, '').replace(ARABIC_VARIANT_PATTERN, (c) => ARABIC_LETTER_VARIANTS[c]!);
  if (DEVANAGARI.test(folded)) folded = folded.replace(/\u093c/g, '').replace(/\u0901/g, '\u0902');
  return folded.normalize('NFC');
}

/** Apostrophe-less spellings people type, restored so that the lexicon needs one form. */
const CONTRACTIONS: Record<string, string> = {
  cant: "can't", cannot: "can't", wont: "won't", dont: "don't", doesnt: "doesn't", didnt: "didn't", isnt: "isn't",
  arent: "aren't", wasnt: "wasn't", werent: "weren't", couldnt: "couldn't", aint: "ain't", im: "i'm", ive: "i've",
  havent: "haven't", hasnt: "hasn't", wouldnt: "wouldn't", shouldnt: "shouldn't", its: "it's", thats: "that's",
};

const FRENCH_ELISION = /^(?:d|l|j|n|qu|s|c|m|t)'(\p{L}{2,}.*)$/u;
/** English clitics after an apostrophe ("can't", "we're"); anything else short is a case ending. */
const ENGLISH_CLITICS = new Set(['t', 's', 're', 've', 'll', 'd', 'm']);
/** Turkish writes case endings after an apostrophe on names: "twitter'a", "netflix'teki", "PSN'ye". */
const NAME_CASE_ENDING = /^([\p{L}\p{N}]{2,})'(\p{L}{1,5})$/u;
/** Arabic writes the article (and a preposition fused to it) as part of the word: "الواتساب", "بالانستقرام". */
const ARABIC_ARTICLE = /^(?:وال|بال|فال|كال|لل|ال)(?=[\u0621-\u064a]{3,})/;


/**
 * A letter typed three times or more in a row is emphasis ("downnn", "nahiii", "instaaa",
 * "واااتساب"), not spelling: the run is read as one letter. Lexicons and catalog names are keyed the
 * same way (their few misspellings with a run, "whatsappp", "jiooo", fold with it). Latin, Cyrillic and Arabic only (a repeated kana or kanji can be a word), and
 * never a word made of that one letter alone ("www", "zzz").
 */
const ELONGATED = /([\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Arabic}])\1{2,}/u;
const ELONGATED_ALL = new RegExp(ELONGATED.source, 'gu');
const ONE_LETTER_REPEATED = /^(.)\1*$/u;
function withoutElongation(key: string): string {
  if (!ELONGATED.test(key) || ONE_LETTER_REPEATED.test(key)) return key;
  return key.replace(ELONGATED_ALL, '$1');
}

function computeKey(raw: string): string {
  let key = withoutElongation(foldText(raw));
  if (key.includes("'")) {
    // French elision: "d'amazon" is "amazon", "n'arrive" is "arrive" (the lexicon is folded the same way).
    const elided = FRENCH_ELISION.exec(key);
    if (elided) key = elided[1]!;
    if (key.endsWith("'s") && key.length > 3 && key !== "it's" && key !== "that's" && key !== "what's" && key !== "who's" && key !== "let's") {
      key = key.slice(0, -2);
    }
    const cased = NAME_CASE_ENDING.exec(key);
    if (cased && !ENGLISH_CLITICS.has(cased[2]!)) key = cased[1]!;
  } else if (ARABIC.test(key)) {
    key = key.replace(ARABIC_ARTICLE, '');
  }
  // hasOwn: a post may say "constructor" or "__proto__", which a plain object would answer with its prototype's.
  return Object.hasOwn(CONTRACTIONS, key) ? CONTRACTIONS[key]! : key;
}

/** "AT&T" -> "ATT" and "Disney+" -> "Disney plus", before tokenising, so brand names survive. */
function spellOutBrandPunctuation(text: string): string {
  let out = text;
  if (out.includes('&')) out = out.replace(/(\p{L})&(\p{L})/gu, '$1$2');
  if (out.includes('+')) out = out.replace(/(\p{L})\+/gu, '$1 plus');
  return out;
}

function isUpperCaseLetter(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Japanese (and other scripts written without spaces)

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u;
const CJK_RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々]+/gu;

/**
 * Cuts runs of kana and kanji into words: longest dictionary word first (the cue lexicon's
 * Japanese phrases and the catalog's Japanese names), and what no dictionary word covers into
 * pieces of one kind of character (kanji, hiragana, katakana), which is roughly where Japanese
 * words and particles change. Built once; `segment` is a pure function of its input.
 */
export interface Segmenter {
  segment(run: string): string[];
  readonly size: number;
}

type CharClass = 'han' | 'hiragana' | 'katakana' | 'other';
function charClass(ch: string): CharClass {
  const c = ch.codePointAt(0)!;
  if ((c >= 0x3040 && c <= 0x309f)) return 'hiragana';
  if ((c >= 0x30a0 && c <= 0x30ff) || c === 0x30fc) return 'katakana';
  if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || c === 0x3005) return 'han';
  return 'other';
}

export function createSegmenter(words: Iterable<string>): Segmenter {
  const byFirst = new Map<string, string[]>();
  let size = 0;
  for (const raw of words) {
    const word = foldText(raw).replace(/\s+/g, '');
    // One character says too little to cut at ("な" would split "なったら"): unknown runs are cut by kind of character anyway.
    if (word.length < 2 || !CJK.test(word)) continue;
    const list = byFirst.get(word[0]!) ?? [];
    if (list.includes(word)) continue;
    list.push(word);
    byFirst.set(word[0]!, list);
    size++;
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.length - a.length);
  return {
    size,
    segment(run) {
      const pieces: string[] = [];
      let unknown = '';
      const flush = () => {
        if (unknown) pieces.push(unknown);
        unknown = '';
      };
      const isKatakana = (k: number) => k >= 0 && k < run.length && charClass(run[k]!) === 'katakana';
      const startsWord = (k: number) => byFirst.get(run[k]!)?.some((w) => run.startsWith(w, k)) ?? false;
      // A katakana word is written in one piece: "ライン" inside "タイムライン" is not LINE.
      const standsAlone = (w: string, k: number) =>
        charClass(w[0]!) !== 'katakana' ||
        ((!isKatakana(k - 1) || unknown === '') && (!isKatakana(k + w.length) || startsWord(k + w.length)));
      for (let i = 0; i < run.length; ) {
        const word = byFirst.get(run[i]!)?.find((w) => run.startsWith(w, i) && standsAlone(w, i));
        if (word) {
          flush();
          pieces.push(word);
          i += word.length;
          continue;
        }
        const ch = run[i]!;
        if (unknown && charClass(unknown[unknown.length - 1]!) !== charClass(ch)) flush();
        unknown += ch;
        i++;
      }
      flush();
      return pieces;
    },
  };
}

let defaultSegmenter: Segmenter | undefined;
/** Set once by outage-cues.ts with the lexicon's Japanese words, so tokenise() alone already cuts them. */
export function setDefaultSegmenter(segmenter: Segmenter): void {
  defaultSegmenter = segmenter;
}

/**
 * The bound of each per-word cache below, in entries: two generations of this many (see
 * BoundedCache). A day's posts use about 20,000 distinct words; a firehose's open vocabulary
 * (names, handles, numbers, typos) only ever replaces the words seen once.
 */
export const WORD_CACHE_GENERATION = 25_000;

/** Facts by key: one record a distinct key, shared by every spelling that folds to it ("Down", "DOWN", "down"). */
const factsCache = new BoundedCache<WordFacts>(WORD_CACHE_GENERATION);

/** The facts record of a key (made empty on first sight; each module fills its part when it first reads it). */
export function factsOf(key: string): WordFacts {
  let facts = factsCache.get(key);
  if (facts === undefined) {
    facts = { key, cues: undefined, stopwordLanguages: undefined, reading: undefined, names: undefined, namesOf: undefined, stem: undefined };
    factsCache.set(key, facts);
  }
  return facts;
}

/**
 * A word's token in and out of a sentence start: made once per distinct spelling, shared by every
 * post (tokens are never changed). Only words cut out of kana and kanji runs are kept here: every
 * other word is kept with its piece (pieceCache), and a second copy would double the memory.
 */
interface WordTokens {
  readonly inside: Token;
  readonly atStart: Token;
}
const wordTokenCache = new BoundedCache<WordTokens>(WORD_CACHE_GENERATION);
const tagTokenCache = new BoundedCache<WordTokens>(WORD_CACHE_GENERATION);
const handleTokenCache = new BoundedCache<WordTokens>(WORD_CACHE_GENERATION);

function wordToken(raw: string, kind: TokenKind, sentenceStart: boolean): Token {
  const cache = kind === 'word' ? wordTokenCache : kind === 'hashtag' ? tagTokenCache : handleTokenCache;
  let made = cache.get(raw);
  if (made === undefined) {
    const inside = newWordToken(raw, kind, false);
    made = { inside, atStart: { ...inside, sentenceStart: true } };
    cache.set(raw, made);
  }
  return sentenceStart ? made.atStart : made.inside;
}

function newWordToken(raw: string, kind: TokenKind, sentenceStart: boolean): Token {
  const key = kind === 'word' ? computeKey(raw) : foldText(raw).replace(/'/g, '');
  return { kind, key, raw, capitalised: isUpperCaseLetter(raw[0]!), sentenceStart, facts: factsOf(key) };
}

/**
 * A word, hashtag or handle as a token: from the word cache when `cached` (words of kana and kanji
 * runs), else made (a piece's tokens, which pieceCache keeps). A module function, not a closure in
 * tokenise: under tsx each closure costs a defineProperty per post.
 */
function pushWord(tokens: Token[], raw: string, kind: TokenKind, sentenceStart: boolean, cached: boolean): void {
  tokens.push(cached ? wordToken(raw, kind, sentenceStart) : newWordToken(raw, kind, sentenceStart));
}

const COMMA_TOKEN: Token = { kind: 'symbol', key: ',', raw: ',', capitalised: false, sentenceStart: false, facts: factsOf(',') };

/** What one piece of the tokenizer's output becomes, whatever post it is in; made once per distinct piece. */
interface PieceReading {
  /** Kana or kanji: cut by the post's segmenter, so read afresh each time (see tokenisePiece). */
  readonly segmented: boolean;
  /** The piece's tokens when it does not start a sentence, and when it does. */
  readonly inside: readonly Token[];
  readonly atStart: readonly Token[];
  /** The hashtag it adds to the post's list, if any (length not yet checked). */
  readonly tag: string | undefined;
  /** After it: 1 a sentence starts, 0 no longer at a sentence start, -1 as before (it gave no word). */
  readonly then: -1 | 0 | 1;
}
const pieceCache = new BoundedCache<PieceReading>(WORD_CACHE_GENERATION);

/**
 * One piece into tokens (and its hashtag into `hashtags`), as tokenise always read it; returns
 * whether a sentence starts after it. A module function: see pushWord.
 */
function tokenisePiece(piece: string, segmenter: Segmenter | undefined, tokens: Token[], hashtags: string[] | undefined, atSentenceStart: boolean): boolean {
  // Only a piece read afresh each time (kana or kanji: segmenter given) takes its words from the word cache.
  const cached = segmenter !== undefined;
  const first = piece[0]!;
  if (first === ',' || first === '%' || first === '、' || first === '，' || first === '،') {
    tokens.push(piece === ',' ? COMMA_TOKEN : { kind: 'symbol', key: first === '%' ? '%' : ',', raw: piece, capitalised: false, sentenceStart: false, facts: factsOf(first === '%' ? '%' : ',') });
    return atSentenceStart;
  }
  if ('.!?;\n？！。؟।'.includes(first)) {
    const key = /[?？؟]/.test(piece) ? '?' : '.';
    tokens.push({ kind: 'boundary', key, raw: piece, capitalised: false, sentenceStart: false, facts: factsOf(key) });
    return true;
  }
  let kind: TokenKind = 'word';
  let raw = piece;
  if (first === '#' || first === '@') {
    kind = first === '#' ? 'hashtag' : 'handle';
    raw = piece.slice(1);
    if (raw.length === 0) return atSentenceStart;
  }
  // A hyphenated run is one token only when it is a code ("NW-2-5"); words ("wi-fi", "#whatsapp-down") are split.
  const parts = raw.includes('-') && (kind !== 'word' || !/\d/.test(raw)) ? raw.split('-').filter((p) => p.length > 0) : [raw];
  if (parts.length === 0) return atSentenceStart;
  if (kind === 'hashtag' && hashtags !== undefined) hashtags.push(parts[0]!.normalize('NFC').toLowerCase());
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const partKind: TokenKind = p === 0 ? kind : 'word';
    if (partKind === 'word' && segmenter && CJK.test(part)) {
      for (const run of part.match(CJK_RUNS) ?? []) {
        if (CJK.test(run)) {
          for (const word of segmenter.segment(foldText(run))) {
            pushWord(tokens, word, 'word', atSentenceStart, cached);
            atSentenceStart = false;
          }
        } else {
          pushWord(tokens, run, 'word', atSentenceStart, cached);
          atSentenceStart = false;
        }
      }
      continue;
    }
    pushWord(tokens, part, partKind, atSentenceStart, cached);
    atSentenceStart = false;
  }
  return atSentenceStart;
}

function readPiece(piece: string): PieceReading {
  let reading = pieceCache.get(piece);
  if (reading !== undefined) return reading;
  if (CJK.test(piece)) {
    reading = { segmented: true, inside: [], atStart: [], tag: undefined, then: -1 };
  } else {
    const inside: Token[] = [];
    const tags: string[] = [];
    const afterInside = tokenisePiece(piece, undefined, inside, tags, false);
    // At a sentence start only the piece's first word differs: it is the word that starts the sentence.
    const startsWithWord = inside.length > 0 && inside[0]!.kind !== 'symbol' && inside[0]!.kind !== 'boundary';
    const atStart = startsWithWord ? [{ ...inside[0]!, sentenceStart: true }, ...inside.slice(1)] : inside;
    // A piece without tokens (or only a symbol) leaves the sentence state as it was; one with words ends a start, a boundary begins one.
    const then = inside.length === 0 || inside[0]!.kind === 'symbol' ? -1 : afterInside ? 1 : 0;
    reading = { segmented: false, inside, atStart, tag: tags[0], then };
  }
  pieceCache.set(piece, reading);
  return reading;
}

/** How often the per-piece, per-word and per-key caches answered, and how much they hold: for benches and tests. */
export function wordCacheStats(): Record<'pieces' | 'words' | 'facts', { hits: number; misses: number; size: number }> {
  const of = (c: BoundedCache<unknown>) => ({ hits: c.hits, misses: c.misses, size: c.size });
  const words = [wordTokenCache, tagTokenCache, handleTokenCache];
  return {
    pieces: of(pieceCache),
    words: { hits: words.reduce((n, c) => n + c.hits, 0), misses: words.reduce((n, c) => n + c.misses, 0), size: words.reduce((n, c) => n + c.size, 0) },
    facts: of(factsCache),
  };
}

export function tokenise(text: string, segmenter: Segmenter | undefined = defaultSegmenter): TokenisedText {
  const pieces = tokenizer.tokenize(spellOutBrandPunctuation(text)) ?? [];
  const tokens: Token[] = [];
  const hashtags: string[] = [];
  let atSentenceStart = true;
  for (let n = 0; n < pieces.length; n++) {
    const piece = pieces[n]!;
    const reading = readPiece(piece);
    if (reading.segmented) {
      const tags: string[] = [];
      atSentenceStart = tokenisePiece(piece, segmenter, tokens, tags, atSentenceStart);
      if (tags.length > 0) addHashtag(hashtags, tags[0]!);
      continue;
    }
    const made = atSentenceStart ? reading.atStart : reading.inside;
    for (let k = 0; k < made.length; k++) tokens.push(made[k]!);
    if (reading.tag !== undefined) addHashtag(hashtags, reading.tag);
    if (reading.then !== -1) atSentenceStart = reading.then === 1;
  }
  return { tokens, hashtags };
}

function addHashtag(hashtags: string[], tag: string): void {
  if (tag.length <= 140 && !hashtags.includes(tag)) hashtags.push(tag);
}

/** The keys of an alias or lexicon phrase, tokenised exactly like posts are. */
export function phraseKeys(phrase: string, segmenter?: Segmenter): string[] {
  return tokenise(phrase, segmenter ?? defaultSegmenter)
    .tokens.filter((t) => t.kind !== 'boundary' && t.kind !== 'symbol')
    .map((t) => t.key);
}
