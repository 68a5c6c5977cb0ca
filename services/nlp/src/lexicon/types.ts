/**
 * What one language contributes to reading outage intent: cue families, not memorised posts.
 *
 * Phrases are written in their natural spelling and folded at load exactly as posts are
 * (lower case, Latin/Cyrillic accents off, Arabic letter variants unified), so "não funciona",
 * "nao funciona" and "NÃO FUNCIONA" are one entry. A single word ending in `*` is a stem: it
 * matches every word that starts with it ("грузит*" for грузит, грузится, грузятся), which is
 * how languages that inflect (Russian, Turkish, Arabic) are covered without listing every form.
 *
 * The families, and what the cue reader does with them:
 *  - outage / weak: the author says it does not work ("no funciona", "çöktü"); weak ones
 *    ("problems", "slow") count at a lower confidence.
 *  - errorMessages: what services print when they fail ("try again later", "something went
 *    wrong", "we can't process your request"), quoted or paraphrased: strong outage cues.
 *  - working / recovery: it works ("funciona bien"), or works again ("voltou"): recovery beats
 *    an earlier outage statement about the same service.
 *  - negators + functionWords: negation scope. A negator within two words of a function word
 *    (load, open, send, connect, log in, work, arrive...) is an outage cue in any order:
 *    "no carga", "lädt nicht", "load nahi ho rahi", "не грузится", "gak bisa login".
 *  - functionPatterns: languages that negate inside the word (Turkish "açılmıyor",
 *    "giremiyorum"): a regular expression over the folded word.
 *  - errorWords: "error", "Fehler", "エラー"... next to a code ("error 279", "NW-2-5",
 *    "503") they are error evidence, a strong cue; alone they are weak.
 *  - clauseSplitters: conjunctions that change the subject ("but", "pero", "ama", "けど").
 *  - context markers that neutralise a clause's outage cues: past (yesterday, last week; not
 *    after a since-word: "down since yesterday" is now), hypothetical ("in case" anywhere; a plain "if"
 *    only at the start of a sentence), finance (shares, stock), postmortem (root cause, incident report), news (according to, Reuters),
 *    delivery (parcel, order, depot: "stuck" is about the parcel unless the clause names an app
 *    or a site, the `surface` words).
 *  - stopwords: frequent function words, for telling the language of a post (language-detect.ts).
 */
export type LanguageCode = 'en' | 'es' | 'pt' | 'fr' | 'de' | 'it' | 'tr' | 'id' | 'ja' | 'ar' | 'hi' | 'ru';

export interface LanguageLexicon {
  readonly language: LanguageCode;
  /** Where its speakers are: tells apart services that share a name ("vodafone störung" is Germany). */
  readonly countries: readonly string[];
  readonly outage: readonly string[];
  readonly weak?: readonly string[];
  readonly errorMessages?: readonly string[];
  readonly working?: readonly string[];
  readonly recovery?: readonly string[];
  readonly idioms?: readonly string[];
  readonly negators?: readonly string[];
  readonly functionWords?: readonly string[];
  readonly functionPatterns?: readonly RegExp[];
  readonly errorWords?: readonly string[];
  readonly clauseSplitters?: readonly string[];
  readonly past?: readonly string[];
  readonly since?: readonly string[];
  /** Plain 'if' words: mid-sentence they ask a question ("to see if it is down"), so they count only at a sentence start. */
  readonly conditionals?: readonly string[];
  /** Unambiguous hypotheticals ("in case", "falls", "если"): they open a clause wherever they stand. */
  readonly hypothetical?: readonly string[];
  /** Word endings that make a cue conditional (Turkish "çökerse", Japanese "落ちたら"). */
  readonly hypotheticalEndings?: readonly string[];
  readonly finance?: readonly string[];
  readonly postmortem?: readonly string[];
  /** Reported speech of the press ("according to", "Reuters:", "laut dpa"): a story about an outage is not a user saying it fails. */
  readonly news?: readonly string[];
  readonly delivery?: readonly string[];
  readonly surface?: readonly string[];
  readonly stopwords?: readonly string[];
}
