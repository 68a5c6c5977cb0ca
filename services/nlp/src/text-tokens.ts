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
 * Words, hashtags and handles; then sentence punctuation (only when followed by a space or the
 * end, so "facebook.com" is not split into two sentences); then commas and '%' ("down 5%" is
 * about a share price). Emojis and other symbols are gaps.
 */
const TOKEN_PATTERN = /[#@]?[\p{L}\p{N}_]+(?:['’][\p{L}\p{N}]+)*|[.!?;\n]+(?=\s|$)|[?!]+|[,%]/gu;
const tokenizer = new RegexpTokenizer({ pattern: TOKEN_PATTERN, gaps: false });

const NON_ASCII = /[^\u0020-\u007e]/;
const COMBINING_MARKS = /\p{M}+/gu;

/** Lower case without diacritics: the form every lexicon and index is keyed by. */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  if (!NON_ASCII.test(lower)) return lower;
  return lower.normalize('NFD').replace(COMBINING_MARKS, '').replace(/ß/g, 'ss').replace(/’/g, "'").normalize('NFC');
}

/** Apostrophe-less spellings people type, restored so that the lexicon needs one form. */
const CONTRACTIONS: Record<string, string> = {
  cant: "can't", cannot: "can't", wont: "won't", dont: "don't", doesnt: "doesn't", didnt: "didn't", isnt: "isn't",
  arent: "aren't", wasnt: "wasn't", werent: "weren't", couldnt: "couldn't", aint: "ain't", im: "i'm", ive: "i've",
  havent: "haven't", hasnt: "hasn't", wouldnt: "wouldn't", shouldnt: "shouldn't", its: "it's", thats: "that's",
};

const FRENCH_ELISION = /^(?:d|l|j|n|qu|s|c|m|t)'(\p{L}{2,}.*)$/u;

function keyOf(raw: string): string {
  let key = foldText(raw);
  if (key.includes("'")) {
    // French elision: "d'amazon" is "amazon", "n'arrive" is "arrive" (the lexicon is folded the same way).
    const elided = FRENCH_ELISION.exec(key);
    if (elided) key = elided[1]!;
    if (key.endsWith("'s") && key.length > 3 && key !== "it's" && key !== "that's" && key !== "what's" && key !== "who's" && key !== "let's") {
      key = key.slice(0, -2);
    }
  }
  return CONTRACTIONS[key] ?? key;
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

export function tokenise(text: string): TokenisedText {
  const pieces = tokenizer.tokenize(spellOutBrandPunctuation(text)) ?? [];
  const tokens: Token[] = [];
  const hashtags: string[] = [];
  let atSentenceStart = true;
  for (const piece of pieces) {
    const first = piece[0]!;
    if (first === ',' || first === '%') {
      tokens.push({ kind: 'symbol', key: piece, raw: piece, capitalised: false, sentenceStart: false });
      continue;
    }
    if (first === '.' || first === '!' || first === '?' || first === ';' || first === '\n') {
      tokens.push({ kind: 'boundary', key: piece.includes('?') ? '?' : '.', raw: piece, capitalised: false, sentenceStart: false });
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
    const key = kind === 'word' ? keyOf(raw) : foldText(raw).replace(/'/g, '');
    if (kind === 'hashtag') {
      const tag = raw.normalize('NFC').toLowerCase();
      if (tag.length <= 140 && !hashtags.includes(tag)) hashtags.push(tag);
    }
    tokens.push({ kind, key, raw, capitalised: isUpperCaseLetter(raw[0]!), sentenceStart: atSentenceStart });
    atSentenceStart = false;
  }
  return { tokens, hashtags };
}

/** The keys of an alias or lexicon phrase, tokenised exactly like posts are. */
export function phraseKeys(phrase: string): string[] {
  return tokenise(phrase)
    .tokens.filter((t) => t.kind !== 'boundary' && t.kind !== 'symbol')
    .map((t) => t.key);
}
