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
 *  - variants: words that stand for each other inside a phrase, for languages written in more
 *    than one way. Romanised Hindi has no standard spelling ("nahi", "nhi", "nahin"; "raha",
 *    "rha") and its verbs agree with the gender of the subject ("raha", "rahi", "rahe"): each
 *    phrase is written once and every combination of its variants is read (lexicon/variants.ts).
 *  - postNegators: negators that follow the state they deny, in languages that put the verb last
 *    ("down nahi hai" is "is not down").
 *  - particles: words a speaker may drop between the words of a phrase without changing it
 *    (Hindi "hi", "bhi", "to": "chal hi nahi raha" is "chal nahi raha", said harder).
 *  - shownVerbs: after a quoted text, the words that say an app shows it ("'session expired' aa
 *    raha hai"): the quote is then a failure message, whatever it says.
 *  - questionParticles: a clause that ends with one asks ("chal raha hai kya"), like one ending in "?".
 *  - conditionalVerbs + conditionalThen + futureEndings: conditionals without an "if" word: a
 *    perfective or subjunctive verb, a "then" word, and a verb in the future after it ("discord
 *    down hua to whatsapp pe aa jayenge"). "band hai to telegram use karunga" ("it is down, so")
 *    stays a complaint: "hai" is not a conditional form.
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
  /** Groups of words (or word sequences) that stand for each other inside this language's phrases. */
  readonly variants?: ReadonlyArray<readonly string[]>;
  /**
   * The language is written in Latin letters without a standard spelling of vowels (romanised
   * Hindi): every word is also read with long vowels short and without the unpronounced short
   * "a" between consonants ("kaam" / "kam", "chal" / "chl"; lexicon/variants.ts).
   */
  readonly looseVowels?: boolean;
  /**
   * Outage verbs in a mood that supposes rather than states: the subjunctive, the conditional,
   * the future subjunctive and the infinitive after a verb of supposition ("se o zap cair", "caso
   * o zoom trave", "nel caso teams si bloccasse", "sollte zoom streiken", "teams donarsa"). They
   * never make an outage; like the cues a hypothetical drops, they show that the post speaks of
   * the state of the service named beside them, which an ambiguous name needs.
   */
  readonly supposed?: readonly string[];
  /**
   * A failure said without a failure word: `lingering` words (an app that sits in a state or keeps
   * interrupting: "stuck at", "queued", "skips", "reloads") and `endless` words (time without end
   * or repetition: "forever", "minutes", "hours", "every", "over and over") in the same clause make an
   * outage cue. Neither alone does: "skips the intro", "watched netflix for hours".
   */
  readonly lingering?: readonly string[];
  readonly endless?: readonly string[];
  readonly postNegators?: readonly string[];
  /** Auxiliaries of the progressive, after the verb ("raha", "rahi", "rahe"): a negator a few words before them negates whatever verb stands between. */
  readonly progressiveAuxiliaries?: readonly string[];
  /** Auxiliaries that make the speaker or the listener the subject ("hu", "ho"): "nahi dekh raha hu" is about the person, not the service. */
  readonly speakerAuxiliaries?: readonly string[];
  /** Negators that are a tag when they end a clause (Hindi "kar na", "bata na": "do it, won't you"), not a negation. */
  readonly tagNegators?: readonly string[];
  readonly particles?: readonly string[];
  readonly shownVerbs?: readonly string[];
  readonly questionParticles?: readonly string[];
  readonly conditionalThen?: readonly string[];
  /** Verb forms that make a "then" word conditional ("hua to", "ho jaye to"); "hai to" is "so", not "if". */
  readonly conditionalVerbs?: readonly string[];
  /** Word endings of the future tense (Hindi "-enge", "-unga"), and whole future words too short for an ending ("hoga"). */
  readonly futureEndings?: readonly string[];
  readonly futureWords?: readonly string[];
}
