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

/** Keys of words already seen: a firehose repeats its words (Zipf), and folding is the costliest step of tokenising. */
const KEY_CACHE_LIMIT = 50_000;
const keyCache = new Map<string, string>();

function keyOf(raw: string): string {
  const cached = keyCache.get(raw);
  if (cached !== undefined) return cached;
  const key = computeKey(raw);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(raw, key);
  return key;
}

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

/** A word, hashtag or handle as a token. A module function, not a closure in tokenise: under tsx each closure costs a defineProperty per post. */
function pushWord(tokens: Token[], raw: string, kind: TokenKind, sentenceStart: boolean): void {
  const key = kind === 'word' ? keyOf(raw) : foldText(raw).replace(/'/g, '');
  tokens.push({ kind, key, raw, capitalised: isUpperCaseLetter(raw[0]!), sentenceStart });
}

export function tokenise(text: string, segmenter: Segmenter | undefined = defaultSegmenter): TokenisedText {
  const pieces = tokenizer.tokenize(spellOutBrandPunctuation(text)) ?? [];
  const tokens: Token[] = [];
  const hashtags: string[] = [];
  let atSentenceStart = true;
  for (const piece of pieces) {
    const first = piece[0]!;
    if (first === ',' || first === '%' || first === '、' || first === '，' || first === '،') {
      tokens.push({ kind: 'symbol', key: first === '%' ? '%' : ',', raw: piece, capitalised: false, sentenceStart: false });
      continue;
    }
    if ('.!?;\n？！。؟।'.includes(first)) {
      tokens.push({ kind: 'boundary', key: /[?？؟]/.test(piece) ? '?' : '.', raw: piece, capitalised: false, sentenceStart: false });
      atSentenceStart = true;
      continue;
    }
    let kind: TokenKind = 'word';
    let raw = piece;
    if (first === '#' || first === '@') {
      kind = first === '#' ? 'hashtag' : 'handle';
      raw = piece.slice(1);
      if (raw.length === 0) continue;
    }
    // A hyphenated run is one token only when it is a code ("NW-2-5"); words ("wi-fi", "#whatsapp-down") are split.
    const parts = raw.includes('-') && (kind !== 'word' || !/\d/.test(raw)) ? raw.split('-').filter((p) => p.length > 0) : [raw];
    if (parts.length === 0) continue;
    if (kind === 'hashtag') {
      const tag = parts[0]!.normalize('NFC').toLowerCase();
      if (tag.length <= 140 && !hashtags.includes(tag)) hashtags.push(tag);
    }
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const partKind: TokenKind = p === 0 ? kind : 'word';
      if (partKind === 'word' && segmenter && CJK.test(part)) {
        for (const run of part.match(CJK_RUNS) ?? []) {
          if (CJK.test(run)) {
            for (const word of segmenter.segment(foldText(run))) {
              pushWord(tokens, word, 'word', atSentenceStart);
              atSentenceStart = false;
            }
          } else {
            pushWord(tokens, run, 'word', atSentenceStart);
            atSentenceStart = false;
          }
        }
        continue;
      }
      pushWord(tokens, part, partKind, atSentenceStart);
      atSentenceStart = false;
    }
  }
  return { tokens, hashtags };
}

/** The keys of an alias or lexicon phrase, tokenised exactly like posts are. */
export function phraseKeys(phrase: string, segmenter?: Segmenter): string[] {
  return tokenise(phrase, segmenter ?? defaultSegmenter)
    .tokens.filter((t) => t.kind !== 'boundary' && t.kind !== 'symbol')
    .map((t) => t.key);
}
