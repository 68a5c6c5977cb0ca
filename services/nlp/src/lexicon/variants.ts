/**
 * Spelling and inflection variants, for languages written in more than one way.
 *
 * Romanised Hindi has no standard spelling: "nahi", "nhi", "nahin" and "nai" are one word, and so
 * are "raha" and "rha", "theek" and "thik", "ho raha" and "hora". Its verbs also agree with the
 * gender and number of their subject: "chal raha" (the app), "chal rahi" (the site), "chal rahe"
 * (the messages). A lexicon writes each phrase once, in its usual spelling, and lists the groups
 * of words that stand for each other (`variants`); every combination is read. Only phrases written
 * in ASCII are expanded: Devanagari has one spelling.
 */
import type { LanguageLexicon } from './types';

/** The phrase families a variant applies to; single-word markers (negators, function words, stop words) are listed whole. */
const PHRASE_FIELDS = [
  'outage', 'weak', 'errorMessages', 'working', 'recovery', 'idioms', 'past', 'hypothetical', 'conditionals', 'news',
  'postmortem', 'delivery', 'finance', 'clauseSplitters',
] as const satisfies ReadonlyArray<keyof LanguageLexicon>;

/** A phrase with more forms than this is a lexicon mistake (a group too wide), not a phrase. */
export const MAX_FORMS_PER_PHRASE = 256;

const ASCII = /^[\u0020-\u007e]+$/;

/** Every form of one phrase: each word (or run of words) in a group replaced by every member of its group. */
export function phraseForms(phrase: string, variants: ReadonlyArray<readonly string[]>): string[] {
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

/** The lexicon with every phrase family expanded to all its spellings. */
export function withVariants(lexicon: LanguageLexicon): LanguageLexicon {
  const variants = lexicon.variants ?? [];
  if (variants.length === 0) return lexicon;
  const expanded: Record<string, readonly string[]> = {};
  for (const field of PHRASE_FIELDS) {
    const phrases = lexicon[field] as readonly string[] | undefined;
    if (phrases) expanded[field] = [...new Set(phrases.flatMap((p) => phraseForms(p, variants)))];
  }
  return { ...lexicon, ...expanded };
}
