/**
 * Which language a short post is written in, fast enough to run on every post.
 *
 * Posts are short (a median of about eight words), mixed ("whatsapp nahi chal raha"), full of
 * names and hashtags, and general-purpose detectors trained on long text guess badly on them.
 * Two steps that are cheap and good enough for the twelve languages the cue lexicons cover:
 *  1. Script: kana means Japanese, Devanagari Hindi, Arabic script Arabic, Cyrillic Russian
 *     (Ukrainian letters і ї є ґ say Ukrainian), Hangul Korean, Thai Thai, Hebrew Hebrew, Greek
 *     Greek, Han without kana Chinese. A script decides when it holds most of the letters.
 *  2. Latin script: the function words and outage phrases of each lexicon vote (a phrase counts
 *     twice: "no funciona" is Spanish even beside English names), and letters only one language
 *     uses add a vote (ñ ¿ ¡ Spanish, ã õ Portuguese, ß German, ğ ş ı Turkish, œ French).
 *     Romanised Hindi is reported as `hi-Latn`. A post with no evidence is `und`.
 *
 * The result is a BCP 47 tag (`en`, `pt`, `hi-Latn`, `und`) and a confidence in [0, 1]; what it
 * is used for: the dashboard shows it, and the cue reader reads context words ("hier",
 * "once") only in the post's languages.
 */
import { LEXICONS, type LanguageCode } from './lexicon/index';
import type { Token } from './text-tokens';

export type DetectedLanguage = LanguageCode | 'hi-Latn' | 'uk' | 'ko' | 'zh' | 'th' | 'he' | 'el' | 'fa' | 'und';

export interface LanguageGuess {
  readonly language: DetectedLanguage;
  /** Share of the evidence that went to the winner (1 for a script decision). */
  readonly confidence: number;
  /** The lexicon language whose context words apply (hi for hi-Latn), or undefined when none. */
  readonly lexicon: LanguageCode | undefined;
}

const UND: LanguageGuess = { language: 'und', confidence: 0, lexicon: undefined };

/** Folded function words to the Latin-script languages they belong to. */
const STOPWORDS = new Map<string, LanguageCode[]>();
for (const l of LEXICONS) {
  if (l.language === 'ja' || l.language === 'ar' || l.language === 'ru') continue;
  for (const w of l.stopwords ?? []) {
    if (!/^[a-z' -]+$/.test(w)) continue;
    const list = STOPWORDS.get(w) ?? [];
    if (!list.includes(l.language)) list.push(l.language);
    STOPWORDS.set(w, list);
  }
}

/** Letters that only one of the Latin-script languages uses. */
const LETTER_HINTS: ReadonlyArray<[RegExp, LanguageCode]> = [
  [/[ñ¿¡]/, 'es'], [/[ãõ]/, 'pt'], [/ß/, 'de'], [/[ğşı]/, 'tr'], [/[œ]|\bç[a]\b/, 'fr'],
];

const NON_ASCII = /[^\u0020-\u007e\s]/;
const NON_LATIN = /[^\s\u0020-\u024f\u1e00-\u1eff\u2000-\u206f\p{Emoji_Presentation}\p{Extended_Pictographic}]/u;

function scriptGuess(text: string): LanguageGuess | undefined {
  let letters = 0;
  const counts = { kana: 0, han: 0, arabic: 0, persian: 0, devanagari: 0, cyrillic: 0, ukrainian: 0, hangul: 0, thai: 0, hebrew: 0, greek: 0 };
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x41) continue;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0x24f)) letters++;
    else if ((c >= 0x3040 && c <= 0x30ff) || c === 0x30fc) { counts.kana++; letters++; }
    else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) { counts.han++; letters++; }
    else if (c >= 0x0600 && c <= 0x06ff) {
      if (c === 0x067e || c === 0x0686 || c === 0x0698 || c === 0x06af) counts.persian++;
      counts.arabic++; letters++;
    }
    else if (c >= 0x0900 && c <= 0x097f) { counts.devanagari++; letters++; }
    else if (c >= 0x0400 && c <= 0x04ff) {
      if (c === 0x0456 || c === 0x0457 || c === 0x0454 || c === 0x0491) counts.ukrainian++;
      counts.cyrillic++; letters++;
    }
    else if (c >= 0xac00 && c <= 0xd7af) { counts.hangul++; letters++; }
    else if (c >= 0x0e00 && c <= 0x0e7f) { counts.thai++; letters++; }
    else if (c >= 0x0590 && c <= 0x05ff) { counts.hebrew++; letters++; }
    else if (c >= 0x0370 && c <= 0x03ff) { counts.greek++; letters++; }
  }
  if (letters === 0) return undefined;
  const decide = (n: number) => n > 0 && n * 3 >= letters;
  const script = (language: DetectedLanguage, n: number, lexicon?: LanguageCode): LanguageGuess => ({ language, confidence: Math.round((n / letters) * 100) / 100, lexicon });
  if (counts.kana > 0 && decide(counts.kana + counts.han)) return script('ja', counts.kana + counts.han, 'ja');
  if (decide(counts.han)) return script('zh', counts.han);
  if (decide(counts.arabic)) return counts.persian > 0 ? script('fa', counts.arabic) : script('ar', counts.arabic, 'ar');
  if (decide(counts.devanagari)) return script('hi', counts.devanagari, 'hi');
  if (decide(counts.cyrillic)) return counts.ukrainian > 0 ? script('uk', counts.cyrillic) : script('ru', counts.cyrillic, 'ru');
  if (decide(counts.hangul)) return script('ko', counts.hangul);
  if (decide(counts.thai)) return script('th', counts.thai);
  if (decide(counts.hebrew)) return script('he', counts.hebrew);
  if (decide(counts.greek)) return script('el', counts.greek);
  return undefined;
}

/** A quoted text: an app's message copied into a post ("insta pe 'couldn't refresh feed' aa raha") is not the author's language. */
const QUOTED = /(?<![\p{L}\p{N}])['"“‘«]([^\n]{2,120}?)['"”’»](?![\p{L}\p{N}])/gu;

/** The words inside quotes, folded roughly as tokens are (lower case), with how often each occurs. */
function quotedWords(text: string): Map<string, number> | undefined {
  if (!/['"“‘«]/.test(text)) return undefined;
  let words: Map<string, number> | undefined;
  for (const m of text.matchAll(QUOTED)) {
    for (const w of m[1]!.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
      if (w === '') continue;
      words ??= new Map();
      words.set(w, (words.get(w) ?? 0) + 1);
    }
  }
  return words;
}

/**
 * The language of a post from its text, its tokens (folded, as tokenise gives them) and, when
 * already known, the languages of the cue phrases found in it.
 */
export function detectLanguage(text: string, tokens: readonly Token[], cueLanguages: ReadonlyMap<LanguageCode, number> = new Map()): LanguageGuess {
  const ascii = !NON_ASCII.test(text);
  if (!ascii && NON_LATIN.test(text)) {
    const byScript = scriptGuess(text);
    if (byScript) return byScript;
  }
  // Words the post quotes vote only when nothing else does: "netflix pe 'this title is not available' aa raha" is Hindi.
  const quoted = quotedWords(text);
  const outside = quoted ? latinVotes(text, ascii, tokens, cueLanguages, quoted) : undefined;
  if (outside && outside.language !== 'und') return outside;
  return latinVotes(text, ascii, tokens, cueLanguages, undefined);
}

/** The languages a word is a function word of, asked once per distinct word and kept on its facts record. */
function stopwordLanguages(t: Token): readonly LanguageCode[] | null {
  const known = t.facts.stopwordLanguages;
  if (known !== undefined) return known;
  const langs = STOPWORDS.get(t.key) ?? null;
  t.facts.stopwordLanguages = langs;
  return langs;
}

/**
 * The votes of one latinVotes call, by language in the order each language first got a vote (the
 * order a Map would keep, which decides ties and the order of the sum): two arrays reused by every
 * call instead of a Map a post. latinVotes does not call itself, so one pair is enough.
 */
const voteLanguages: LanguageCode[] = [];
const voteCounts: number[] = [];

/** A module function, not a closure in latinVotes: under tsx each closure costs a defineProperty per post. */
function addVote(l: LanguageCode, n: number): void {
  const k = voteLanguages.indexOf(l);
  if (k < 0) {
    voteLanguages.push(l);
    voteCounts.push(0 + n);
  } else {
    voteCounts[k] = voteCounts[k]! + n;
  }
}

function latinVotes(text: string, ascii: boolean, tokens: readonly Token[], cueLanguages: ReadonlyMap<LanguageCode, number>, quoted: Map<string, number> | undefined): LanguageGuess {
  voteLanguages.length = 0;
  voteCounts.length = 0;
  const unquoted = quoted ? new Map(quoted) : undefined;
  for (const t of tokens) {
    if (t.kind !== 'word') continue;
    const left = unquoted?.get(t.raw.toLowerCase());
    if (left !== undefined && left > 0) {
      unquoted!.set(t.raw.toLowerCase(), left - 1);
      continue;
    }
    const langs = stopwordLanguages(t);
    if (langs) for (const l of langs) addVote(l, 1 / langs.length);
  }
  for (const [l, n] of cueLanguages) addVote(l, 2 * n);
  if (!ascii) {
    const lower = text.toLowerCase();
    for (const [pattern, l] of LETTER_HINTS) if (pattern.test(lower)) addVote(l, 1.5);
  }
  let best: LanguageCode | undefined;
  let bestVotes = 0;
  let total = 0;
  for (let k = 0; k < voteLanguages.length; k++) {
    const l = voteLanguages[k]!;
    const n = voteCounts[k]!;
    total += n;
    if (n > bestVotes || (n === bestVotes && l === 'en')) {
      best = l;
      bestVotes = n;
    }
  }
  if (!best || bestVotes < 1) return UND;
  const confidence = Math.round((bestVotes / total) * 100) / 100;
  return { language: best === 'hi' ? 'hi-Latn' : best, confidence, lexicon: best };
}
