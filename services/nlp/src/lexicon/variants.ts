/**
 * Spelling and inflection variants, for languages written in more than one way.
 *
 * Romanised Hindi has no standard spelling: "nahi", "nhi", "nahin" and "nai" are one word, and so
 * are "raha" and "rha", "theek" and "thik", "ho raha" and "hora". Its verbs also agree with the
 * gender and number of their subject: "chal raha" (the app), "chal rahi" (the site), "chal rahe"
 * (the messages). A lexicon writes each phrase once, in its usual spelling, and lists the groups
 * of words that stand for each other (`variants`); every combination is read. Only phrases written
 * in ASCII are expanded: Devanagari has one spelling.
 *
 * Beyond the listed groups, a lexicon with `looseVowels` reads every word of its phrases and its
 * single-word markers (negators, function words) in the two spellings romanised Hindi leaves to
 * the writer, whatever the word: vowel length ("kaam" / "kam", "theek" / "thik", "ghoom" /
 * "ghum") and the short "a" between two consonants, which Hindi does not pronounce and chat
 * spelling drops ("chal" / "chl", "band" / "bnd", "kharab" / "khrab", "gaya" / "gya").
 */
import type { LanguageLexicon } from './types';

/** The phrase families a variant applies to; single-word markers (negators, function words, stop words) are listed whole. */
const PHRASE_FIELDS = [
  'outage', 'weak', 'errorMessages', 'working', 'recovery', 'idioms', 'past', 'hypothetical', 'conditionals', 'news',
  'postmortem', 'delivery', 'finance', 'clauseSplitters', 'supposed', 'lingering', 'endless',
] as const satisfies ReadonlyArray<keyof LanguageLexicon>;

/** A phrase with more forms than this is a lexicon mistake (a group too wide), not a phrase. */
export const MAX_FORMS_PER_PHRASE = 256;

const ASCII = /^[\u0020-\u007e]+$/;

const VOWEL = /[aeiou]/;
/** A consonant letter, for the short "a" between two of them; "y" and "w" count ("gaya" / "gya", "hawa"). */
const isConsonant = (c: string | undefined) => c !== undefined && /[a-z]/.test(c) && !VOWEL.test(c);

/**
 * The spellings of one romanised Hindi word: as written, with long vowels written short (aa > a,
 * ee > i, oo > u) or with their doubled letter once (ee > e, oo > o: "theek" / "thek", also
 * what a post's "theeek" is read as), without the short "a" between two consonants (not the
 * first or last letter), and each of those without the "h" of an aspirated consonant, which
 * chat spelling often leaves out ("kharab" / "karab", "theek" / "tik", "dikh" / "dik", "bhej" /
 * "bej"; not "ch", a letter of its own, and "chh" becomes "ch"). Words of three letters or fewer
 * are kept as written: too short to tell apart ("kar" / "kr" is a listed variant instead).
 */
export function looseSpellings(word: string): string[] {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return [word];
  // Shortened after the short a is gone: the a left of "kaam" is long ("kam", never "km").
  const shorten = (w: string) => w.replace(/aa/g, 'a').replace(/ee/g, 'i').replace(/oo/g, 'u');
  const undouble = (w: string) => w.replace(/([aeiou])\1/g, '$1');
  const withoutAspiration = (w: string) => w.replace(/chh/g, 'ch').replace(/([kgtdbpj])h/g, '$1');
  const withoutSchwa = (w: string) => {
    let out = w[0]!;
    for (let i = 1; i < w.length; i++) {
      if (w[i] === 'a' && i < w.length - 1 && isConsonant(w[i - 1]) && isConsonant(w[i + 1])) continue;
      out += w[i];
    }
    return out;
  };
  const dropped = withoutSchwa(word);
  const vowels = [word, shorten(word), undouble(word), dropped, shorten(dropped), undouble(dropped)];
  return [...new Set([...vowels, ...vowels.map(withoutAspiration)])];
}

/** Every form of one phrase: each word (or run of words) in a group replaced by every member of its group. */
export function phraseForms(phrase: string, variants: ReadonlyArray<readonly string[]>, loose = false): string[] {
  if (loose && ASCII.test(phrase)) {
    // Loose spellings multiply fast on long phrases: beyond the limit, the listed groups alone.
    const listed = phraseForms(phrase, variants);
    const all = [...new Set(listed.flatMap((form) => looseForms(form)))];
    return all.length <= MAX_FORMS_PER_PHRASE ? all : listed;
  }
  if (variants.length === 0 || !ASCII.test(phrase)) return [phrase];
  const groups = variants.map((g) => g.map((member) => member.split(' ')));
  /** Group members by their first word, longest first, so that "ho raha" is read before "ho". */
  const byFirst = new Map<string, Array<{ member: string[]; group: string[][] }>>();
  for (const group of groups) {
    for (const member of group) {
      const list = byFirst.get(member[0]!) ?? [];
      list.push({ member, group });
      byFirst.set(member[0]!, list);
    }
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.member.length - a.member.length);
  const words = phrase.trim().split(/\s+/);
  let forms: string[][] = [[]];
  for (let i = 0; i < words.length; ) {
    const hit = byFirst.get(words[i]!)?.find(({ member }) => member.every((w, k) => words[i + k] === w));
    const alternatives = hit ? hit.group : [[words[i]!]];
    forms = forms.flatMap((f) => alternatives.map((a) => [...f, ...a]));
    if (forms.length > MAX_FORMS_PER_PHRASE) throw new Error(`lexicon phrase "${phrase}" has more than ${MAX_FORMS_PER_PHRASE} spellings`);
    i += hit ? hit.member.length : 1;
  }
  // The phrase as written first, then its other forms, each once.
  return [...new Set([phrase, ...forms.map((f) => f.join(' '))])];
}

/** Every loose spelling of a phrase, word by word, as written first. */
function looseForms(phrase: string): string[] {
  let forms: string[][] = [[]];
  for (const word of phrase.split(' ')) {
    const spellings = looseSpellings(word);
    forms = forms.flatMap((f) => spellings.map((s) => [...f, s]));
    if (forms.length > MAX_FORMS_PER_PHRASE) return [phrase];
  }
  return forms.map((f) => f.join(' '));
}

/** Single-word markers read in their loose spellings too ("nahin" / "nahi", "khulta" / "khulta"). */
const WORD_FIELDS = ['negators', 'postNegators', 'functionWords', 'particles'] as const satisfies ReadonlyArray<keyof LanguageLexicon>;

/** The lexicon with every phrase family expanded to all its spellings. */
export function withVariants(lexicon: LanguageLexicon): LanguageLexicon {
  const variants = lexicon.variants ?? [];
  const loose = lexicon.looseVowels === true;
  if (variants.length === 0 && !loose) return lexicon;
  const expanded: Record<string, readonly string[]> = {};
  for (const field of PHRASE_FIELDS) {
    const phrases = lexicon[field] as readonly string[] | undefined;
    if (phrases) expanded[field] = [...new Set(phrases.flatMap((p) => phraseForms(p, variants, loose)))];
  }
  if (loose) {
    for (const field of WORD_FIELDS) {
      const words = lexicon[field] as readonly string[] | undefined;
      if (words) expanded[field] = [...new Set(words.flatMap((w) => (ASCII.test(w) ? looseSpellings(w) : [w])))];
    }
  }
  return { ...lexicon, ...expanded };
}
