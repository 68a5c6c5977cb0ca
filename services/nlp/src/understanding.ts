/**
 * Text understanding: a post in, the services it is about out, each with whether the author
 * says it is down, what kind of problem, how sure we are, and the words that made us think so.
 *
 * The steps, in order, each cheap enough for 20,000 posts per second on one core:
 *  1. tokenise (text-tokens.ts);
 *  2. read hashtags: a catalog or derived hashtag names a service, and may say "down" itself;
 *  3. find outage and working cues per clause (outage-cues.ts); cue words are then off limits
 *     to service matching ("no signal" is not the Signal app);
 *  4. find service names in the remaining words: longest catalog phrase first, then handles,
 *     then fuzzy matching of unknown words (service-index.ts);
 *  5. give each service the polarity of the nearest cue in its clause; a clause with cues and no
 *     service speaks about the previous clause's services ("whatsapp was down. works again now"),
 *     and a recovery there overrides;
 *  6. keep ambiguous names ("x", "signal", "teams", "steam") only with a cue right next to them,
 *     a hashtag of the same service, or as a proper noun after "on"/"to"/"from" or in a list of
 *     other services;
 *  7. classify the kind of problem (problem-classifier.ts), limited to what that service offers.
 *
 * A romanised Hindi post that names a service and that the rules leave undecided (no cue of
 * either polarity, nothing dropped by a neutraliser) is read by the intent model
 * (intent-model.ts): a naive Bayes reading of its words, trained on the development part.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Catalog, CatalogService } from '../../../schemas/catalog/index';
import { loadCatalog } from '../../../schemas/catalog/index';
import { PROBLEM_CATEGORIES, type PostEvent, type ProblemCategory, type ReportEvent, type SignalEvent } from '../../../schemas/events/index';
import { detectLanguage, type DetectedLanguage } from './language-detect';
import { LANGUAGE_CODES, type LanguageCode } from './lexicon/index';
import { analyseCues, CUE_VOCABULARY, cueLanguageVotes, isOutageWord, LANGUAGE_COUNTRIES, LEXICON_SEGMENTATION_WORDS, type Cue, type CueLanguage } from './outage-cues';
import { loadLabelledSet, type LabelledExample } from './labelled-set';
import { problemFeatures, restoreProblemModel, trainProblemModel, type ProblemModel, type ProblemScores, type SerializedProblemModel } from './problem-classifier';
import { buildServiceIndex, type NameCertainty } from './service-index';
import { saysOutage, trainIntentModel, type IntentModel } from './intent-model';
import { createSegmenter, tokenise, type Segmenter, type Token, type WordFacts } from './text-tokens';

/** The least a post needs to be understood; PostInput and PostEvent both fit. */
export interface PostText {
  readonly id: string;
  readonly text: string;
  readonly at?: number;
  /** ISO alpha-2: tells apart services that share a name (Vodafone UK, Ireland, Germany). */
  readonly country?: string;
  readonly lang?: string;
}

export type MentionKind = 'hashtag' | 'mention';

export interface ServiceReading {
  readonly serviceId: string;
  /** 'hashtag' when one of the post's hashtags names the service, else 'mention'. */
  readonly kind: MentionKind;
  /** The author says (or asks whether) this service is not working. */
  readonly outage: boolean;
  readonly problem: ProblemCategory;
  /** 0..1: how sure we are of both the service and the outage reading. */
  readonly confidence: number;
  /** What matched, human-readable: 'hashtag #facebookdown', 'alias "fb"', 'cue "not working"'. */
  readonly evidence: readonly string[];
}

export interface Understood {
  readonly postId: string;
  /**
   * The language the post is written in, detected from its text (BCP 47: 'en', 'pt', 'hi-Latn',
   * 'ja'; 'und' when the text gives no evidence). Independent of the language a source declares.
   */
  readonly language: DetectedLanguage;
  /** Normalised hashtags of the post (see TokenisedText.hashtags). */
  readonly hashtags: readonly string[];
  /** Some service of the post is said to be down. */
  readonly outage: boolean;
  /** The post's kind of problem; 'other' when it reports no outage. */
  readonly problem: ProblemCategory;
  readonly services: readonly ServiceReading[];
}

export interface Understanding {
  understandPost(post: PostText): Understood;
  /** Zero or more signals, one per service the post is about; ids are `${post.id}:${serviceId}`. */
  signalsForPost(post: PostText & Partial<Pick<PostEvent, 'authorHash' | 'receivedAt'>>, receivedAt?: number): SignalEvent[];
  /** The post's signals and its detected language, from one reading (ingest stores both). */
  readPost(post: PostText & Partial<Pick<PostEvent, 'authorHash' | 'receivedAt'>>, receivedAt?: number): { language: DetectedLanguage; signals: SignalEvent[] };
  /** A problem report is already understood: one `report` signal, outage true, confidence 1. */
  signalForReport(report: ReportEvent): SignalEvent;
  readonly catalog: Catalog;
  readonly problemModel: ProblemModel;
}

export interface UnderstandingOptions {
  catalog?: Catalog;
  /**
   * Train the problem classifier on these, now. Default: the model shipped in
   * data/problem-model.json, itself trained on the development part of data/labelled/.
   */
  trainingExamples?: readonly LabelledExample[];
}

export const PROBLEM_MODEL_PATH = fileURLToPath(new URL('../data/problem-model.json', import.meta.url));

function loadShippedProblemModel(): ProblemModel | undefined {
  if (!existsSync(PROBLEM_MODEL_PATH)) return undefined;
  return restoreProblemModel(JSON.parse(readFileSync(PROBLEM_MODEL_PATH, 'utf8')) as SerializedProblemModel);
}

/** One place in the post where a service is named. */
interface Mention {
  readonly service: CatalogService;
  readonly start: number;
  readonly end: number;
  readonly via: 'hashtag' | 'alias' | 'handle' | 'fuzzy';
  readonly certainty: NameCertainty;
  readonly hashtagSaysDown: boolean;
  readonly attribution: number;
  readonly evidence: string;
  counted: boolean;
  polarity: 'outage' | 'working' | null;
  polarityFrom: Cue | null;
  /** The polarity came from a clause without services of its own, which is a weaker link. */
  polarityFromOrphan: boolean;
  cueDistance: number;
}

/** Between a name and its cue these words do not count: "facebook is just totally down", "chase app login not working". */
const TRANSPARENT_WORDS = new Set([
  'is', 'are', 'was', 'were', 'be', 'been', 'being', 'just', 'still', 'all', 'both', 'again', 'totally', 'completely',
  'really', 'also', 'too', 'now', 'rn', 'currently', 'seems', 'seem', 'literally', 'actually', 'so', 'very', 'the', 'my',
  'it', "it's", 'app', 'apps', 'website', 'site', 'web', 'servers', 'server', 'login', 'account', 'feed', 'page', 'com',
  'keeps', 'even', 'fully', 'officially', 'kinda', 'like', 'el', 'la', 'o', 'a', 'le', 'ist', 'est', 'esta', 'ta', 'tá',
  'está', 'mi', 'meu', 'minha', 'mon', 'ma', 'mein', 'meine', 'de', 'do', 'da', 'the', 'whole', 'entire', 'network',
  'internet', 'broadband', 'wifi', 'sign', 'in', 'log', 'on',
  // Particles and pronouns of the other lexicon languages: "インスタが落ちてる", "الواتساب عندي واقف", "mera whatsapp".
  'が', 'は', 'も', 'の', 'を', 'って', 'で', 'に', 'عندي', 'عندكم', 'عندك', 'الحين', 'का', 'की', 'के', 'में', 'पर', 'तो', 'भी',
  'ka', 'ki', 'ke', 'pe', 'to', 'bhi', 'mera', 'meri', 'у', 'меня', 'опять', 'снова', 'yine', 'bende', 'hala', 'lagi', 'aku',
  'udah', 'masih', 'di', 'il', 'lo', 'mio', 'mia', 'ancora', 'di', 'nuovo', 'ya', 'encore', 'wieder', 'schon', 'otra', 'vez', 'de',
  'novo', 'ainda', 'hoy', 'hoje',
  // Hindi postpositions and particles ("outlook me mail atke", "wa pe msg deliver hi nahi"), and what a service carries.
  'me', 'mein', 'ko', 'se', 'par', 'hi', 'ne', 'msg', 'msgs', 'mail', 'mails', 'dm', 'dms', 'message', 'messages',
]);
/** Before an ambiguous name, these make it a place you go to: "on Teams", "to Signal", "from WhatsApp". */
const PLATFORM_PREPOSITIONS = new Set([
  'on', 'to', 'from', 'via', 'using', 'into', 'onto', 'en', 'no', 'na', 'auf', 'sur', 'por', 'a', 'pro', 'pra', 'para', 'zu',
  'ke', 'di', 'su', 'sul', 'nach', 'pe', 'par', 'em', 'ao',
  // Verbs of using a tool: "we'll just use zoom", "usamos zoom", "a gente usa o zap".
  'use', 'usamos', 'usa', 'usar', 'usiamo', 'usare', 'utiliser', 'utilise', 'nutzen',
]);
/**
 * Hindi puts the preposition after the name: "steam pe", "teams par" ("on Steam", "on Teams"). A
 * name followed by one, in a clause that says something fails, is the platform it fails on
 * ("steam pe game download nhi ho rha"), however many words stand between the name and the failure.
 */
const PLATFORM_POSTPOSITIONS = new Set(['pe', 'par', 'pr']);
/** An article between the preposition and the name: "usa o zap", "vai pro o teams". */
const ARTICLES = new Set(['the', 'o', 'a', 'el', 'la', 'le', 'il', 'lo', 'der', 'die', 'das']);
/**
 * Before an ambiguous name, these make it the common noun: "both teams", "our teams went down",
 * "the zoom lens", "my fantasy teams", "dono teams", "2 teams". The product is a proper name
 * without a determiner ("Teams is down"); with one it still counts beside a word of the product
 * ("the teams app", "my zoom call") or with its hashtag.
 */
const COMMON_NOUN_DETERMINERS = new Set([
  'the', 'a', 'an', 'my', 'our', 'your', 'their', 'his', 'her', 'both', 'all', 'two', 'three', 'four', 'some', 'many', 'few',
  'several', 'these', 'those', 'other', 'dono', 'donon', 'sab', 'saari', 'saare', 'kai',
]);
/**
 * Hinglish makes verbs of English words with "karna" (do) and "hona" (be): "zoom karo", "camera me
 * zoom nahi ho raha". An ambiguous name used that way is the English word.
 */
const LIGHT_VERBS = new Set(['kar', 'karo', 'karna', 'karne', 'karke', 'kiya', 'kijiye', 'ho', 'hota', 'hoti', 'hua', 'hui', 'hora']);
const LIGHT_VERB_NEGATORS = new Set(['nahi', 'nahin', 'nhi', 'nai', 'na']);
/** Turkish writes a case ending after an apostrophe only on proper nouns: "teams'e geçeriz" is the product. */
const TURKISH_PROPER_NOUN = /^[\p{L}\p{N}]{2,}['’](?!(?:t|s|re|ve|ll|d|m)$)\p{L}{1,5}$/u;
/**
 * Words that make an ambiguous name the product: "the teams link", "zoom meeting", "リンク",
 * "رابط زوم" (folded). A word of the name's own language next to it is enough.
 */
const SERVICE_CONTEXT_WORDS = new Set([
  'link', 'links', 'meeting', 'meetings', 'call', 'calls', 'webinar', 'account', 'login', 'server', 'servers', 'app', 'inbox', 'mailbox',
  'enlace', 'reunion', 'reuniao', 'chamada', 'lien', 'appel', 'besprechung', 'anruf', 'riunione', 'chiamata', 'toplanti',
  'toplantisindan', 'toplantidan', 'linki', 'rapat', 'tautan', 'リンク', '会議', 'رابط', 'اجتماع', 'لينك', 'लिंक', 'मीटिंग',
  'ссылка', 'ссылку', 'встреча', 'встречи', 'созвон',
]);
/** How far a service context word may sit from an ambiguous name, in tokens. */
const SERVICE_CONTEXT_WINDOW = 2;
const LATIN_WORD = /^[a-z0-9]/;

/**
 * How far (in words that carry meaning) a cue may sit from an ambiguous name: "Steam is down",
 * "signal messages stuck" count; "prime time tv is dead" does not.
 */
const AMBIGUOUS_MAX_CUE_DISTANCE = 1;
/** Words that may open a clause that speaks about the previous clause's service: "nope, works for me", "but works again". */
const BACK_REFERENCE_WORDS = new Set([
  'but', 'so', 'though', 'although', 'however', 'and', 'no', 'nope', 'nah', 'yes', 'yeah', 'yep', 'ok', 'okay', 'lol',
  'lmao', 'well', 'oh', 'ah', 'it', "it's", 'its', 'they', "they're", 'that', 'this', 'now', 'all', 'seems', 'still',
  'everything', 'update', 'edit', 'and', 'ya', 'ja', 'si', 'oui', 'mas', 'mais', 'pero', 'aber', 'just', 'is', 'are',
  'was', 'again', 'finally', 'enfin', 'already', 'totally', 'completely', 'also', 'too', 'ca', 'es', 'est', 'e',
  // The same openers in the other lexicon languages: "ama", "ma", "tapi", "lekin", "но", "لكن", "けど".
  'ama', 'fakat', 'ma', 'pero', 'tapi', 'lekin', 'magar', 'но', 'а', 'и', 'لكن', 'بس', 'けど', 'でも', 'und', 'et', 'y', 'dan',
  've', 'aur',
  // Romanised Hindi: "twitter chal rha h kisi ka? mera to kuch load nahi ho raha" ("mine, nothing loads") is about twitter.
  'mera', 'meri', 'mere', 'mujhe', 'apna', 'apni', 'to', 'toh', 'bhi', 'hi', 'abhi', 'ab', 'yaha', 'yahan', 'idhar', 'kuch',
  'sab', 'bhai', 'yaar', 'yr', 'bro',
]);
/** "whatsapp too", "instagram also", "e o insta também": the same state as the clause before. */
const ALSO_WORDS = new Set(['too', 'also', 'aswell', 'same', 'tambien', 'tambem', 'aussi', 'auch', 'ebenfalls']);
const LIST_WORDS = new Set(['and', 'or', '&', ',', 'y', 'e', 'et', 'und', 'ou', 'o']);

const MAX_EVIDENCE = 10;
const MAX_EVIDENCE_LENGTH = 200;
/**
 * Languages read by the intent model when the rules are undecided: romanised Hindi, whose
 * spellings and idioms the lexicon cannot list (the development part holds about 700 such posts).
 */
const INTENT_LANGUAGES: readonly DetectedLanguage[] = ['hi-Latn'];
/** A complaint read from the words alone is less sure than one read from a cue (0.75 for a weak cue). */
const INTENT_MODEL_CONFIDENCE = 0.6;
const MAX_HASHTAGS = 50;
/** A report's evidence, by its problem: the same string for every report of a problem. */
const REPORT_EVIDENCE: ReadonlyMap<string, string> = new Map(PROBLEM_CATEGORIES.map((p) => [p, `report button: ${p}`]));
const MAX_EVENT_ID = 128;

/** What the reading asks about one word, once per distinct word (kept on its facts record, text-tokens.ts). */
export interface ReadingWordFacts {
  /** Carries no meaning between a name and its cue (TRANSPARENT_WORDS). */
  readonly transparent: boolean;
  /** A word of the cue lexicon: never fuzzy-matched to a service name. */
  readonly cueVocabulary: boolean;
}

declare module './text-tokens' {
  interface WordFacts {
    /** understanding.ts: whether the word carries meaning, and the other word lists it is in. */
    reading: ReadingWordFacts | undefined;
  }
}

function readingFacts(t: Token): ReadingWordFacts {
  return t.facts.reading ?? computeReadingFacts(t.facts);
}

/** The four possible records, shared by every word. */
const READING_FACTS: readonly ReadingWordFacts[] = [
  { transparent: false, cueVocabulary: false },
  { transparent: false, cueVocabulary: true },
  { transparent: true, cueVocabulary: false },
  { transparent: true, cueVocabulary: true },
];

function computeReadingFacts(facts: WordFacts): ReadingWordFacts {
  const made = READING_FACTS[(TRANSPARENT_WORDS.has(facts.key) ? 2 : 0) + (CUE_VOCABULARY.has(facts.key) ? 1 : 0)]!;
  facts.reading = made;
  return made;
}

/**
 * meaningfulBefore[i] = how many words that carry meaning come before token i, so that the
 * distance between a name and a cue is one subtraction: a 5,000-character post with hundreds of
 * names and cues in one clause stays linear-ish instead of quadratic in its length.
 */
function meaningfulWordCounts(tokens: readonly Token[]): Int32Array {
  const counts = new Int32Array(tokens.length + 1);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    counts[i + 1] = counts[i]! + (t.kind === 'word' && !readingFacts(t).transparent ? 1 : 0);
  }
  return counts;
}

/** Words that carry meaning strictly between a name and a cue. */
function distanceBetween(meaningfulBefore: Int32Array, mention: { start: number; end: number }, cue: Cue): number {
  return cue.start >= mention.end
    ? meaningfulBefore[cue.start]! - meaningfulBefore[mention.end]!
    : meaningfulBefore[mention.start]! - meaningfulBefore[cue.end]!;
}

/** Deterministic, short: FNV-1a, for event ids that would otherwise exceed the contract's 128 characters. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** `${postId}:${serviceId}`, shortened with a hash of the post id when it would not fit the contract. */
export function signalIdFor(postId: string, serviceId: string): string {
  const id = `${postId}:${serviceId}`;
  if (id.length <= MAX_EVENT_ID) return id;
  const keep = MAX_EVENT_ID - serviceId.length - 1 - 9;
  return `${postId.slice(0, keep)}.${shortHash(postId)}:${serviceId}`;
}

function clip(text: string): string {
  return text.length <= MAX_EVIDENCE_LENGTH ? text : `${text.slice(0, MAX_EVIDENCE_LENGTH - 1)}…`;
}

/** Every name of every service, in every script: Japanese ones become words of the segmenter. */
function catalogNames(catalog: Catalog): string[] {
  return catalog.services.flatMap((s) => [s.id, s.name, ...s.aliases, ...s.ambiguousAliases, ...s.misspellings, ...s.localNames.map((l) => l.name)]);
}

/**
 * Languages written in another script: there, a Latin word ("Teams", "Zoom", "X") is a name,
 * not an English word that may be a name.
 */
const NON_LATIN_LANGUAGES: ReadonlySet<string> = new Set(['ja', 'ar', 'hi', 'ru', 'uk', 'zh', 'ko', 'th', 'he', 'el', 'fa']);

/** Posts whose language is known by script or clear function words read context words of that language only. */
const LANGUAGE_CONFIDENCE_TO_GATE = 0.5;

export function createUnderstanding(options: UnderstandingOptions = {}): Understanding {
  const catalog = options.catalog ?? loadCatalog();
  const segmenter: Segmenter = createSegmenter([...LEXICON_SEGMENTATION_WORDS, ...catalogNames(catalog)]);
  const index = buildServiceIndex(catalog, { segmenter, isOutageWord });

  /** Steps 1-6, shared by training (which needs the features) and by understandPost. */
  const read = (post: PostText) => {
    const { tokens, hashtags } = tokenise(post.text, segmenter);
    const hashtagTokens = new Uint8Array(tokens.length);
    const mentions: Mention[] = [];

    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind !== 'hashtag') continue;
      const reading = index.readHashtag(t.key);
      if (!reading) continue;
      hashtagTokens[i] = 1;
      mentions.push(newMention(reading.service, i, i + 1, 'hashtag', 'plain', reading.saysDown, reading.viaCatalog ? 0.95 : 0.9, `hashtag #${t.raw.toLowerCase()}`));
    }

    const guess = detectLanguage(post.text, tokens, cueLanguageVotes(tokens));
    const declared = declaredLexicon(post.lang);
    const gate = new Set<LanguageCode>();
    if (guess.lexicon && guess.confidence >= LANGUAGE_CONFIDENCE_TO_GATE) gate.add(guess.lexicon);
    if (declared) gate.add(declared);
    const cues = analyseCues(tokens, hashtagTokens, gate.size > 0 ? { languages: gate, text: post.text } : { text: post.text });
    const language = guess;
    const likelyCountries = likelyCountriesOf(post.lang, language.lexicon, cues.languages);
    const taken = new Uint8Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) taken[i] = cues.consumed[i]! | hashtagTokens[i]!;

    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (taken[i]) continue;
      if (t.kind === 'handle') {
        const target = index.readHandle(t.key);
        if (target) mentions.push(newMention(target.service, i, i + 1, 'handle', 'plain', false, 0.9, `handle @${t.raw}`));
        continue;
      }
      if (t.kind !== 'word') continue;
      const names = index.wordNames(t.facts);
      const longest = names.longest;
      let matched = false;
      if (longest !== undefined) {
        for (let n = Math.min(longest, tokens.length - i); n >= 1 && !matched; n--) {
          let key = t.key;
          let ok = true;
          for (let k = 1; k < n; k++) {
            const next = tokens[i + k]!;
            if (next.kind !== 'word' || taken[i + k]) {
              ok = false;
              break;
            }
            key += ` ${next.key}`;
          }
          if (!ok) continue;
          const targets = index.phrases.get(key);
          if (!targets) continue;
          const { target, shared } = index.resolveShared(targets, post.country, likelyCountries);
          const base = target.certainty === 'misspelling' ? 0.85 : target.certainty === 'ambiguous' ? 0.65 : n > 1 ? 0.95 : 0.9;
          const label = target.certainty === 'misspelling' ? 'misspelling' : target.certainty === 'ambiguous' ? 'ambiguous name' : 'name';
          mentions.push(newMention(target.service, i, i + n, 'alias', target.certainty, false, shared ? base * 0.8 : base, `${label} "${key}"${shared ? ' (shared name, guessed)' : ''}`));
          i += n - 1;
          matched = true;
        }
      }
      if (!matched) {
        const targets = names.inflected;
        if (targets) {
          const { target, shared } = index.resolveShared(targets, post.country, likelyCountries);
          mentions.push(newMention(target.service, i, i + 1, 'alias', target.certainty, false, (target.certainty === 'ambiguous' ? 0.65 : 0.85) * (shared ? 0.8 : 1), `inflected name "${t.key}" ~ "${target.phrase}"`));
          matched = true;
        }
      }
      if (!matched && !readingFacts(t).cueVocabulary) {
        const hit = names.fuzzy;
        if (hit) {
          const attribution = Math.min(0.85, 0.5 + (0.35 * (hit.similarity - 0.88)) / 0.12);
          mentions.push(newMention(hit.service, i, i + 1, 'fuzzy', 'misspelling', false, attribution, `fuzzy "${t.key}" ~ "${hit.phrase}" (${hit.similarity.toFixed(2)})`));
        }
      }
    }

    // Polarity is only ever given to mentions: a post that names no service has none to give.
    if (mentions.length > 0) assignPolarity(tokens, cues, mentions);
    decideAmbiguous(tokens, mentions, cues, NON_LATIN_LANGUAGES.has(language.language));
    return { tokens, hashtags, mentions, cues, language: language.language, serviceTokens: markServiceTokens(tokens.length, mentions) };
  };

  const trainOn = (examples: readonly LabelledExample[]) =>
    trainProblemModel(
      examples
        .filter((e) => e.outage)
        .map((e) => {
          const r = read({ id: 'training', text: e.text });
          return { features: problemFeatures(r.tokens, r.serviceTokens), problem: e.problem };
        }),
    );
  const problemModel = options.trainingExamples
    ? trainOn(options.trainingExamples)
    : (loadShippedProblemModel() ?? trainOn(loadLabelledSet().dev));

  const intentModels = new Map<DetectedLanguage, IntentModel>(
    INTENT_LANGUAGES.map((language) => [
      language,
      trainIntentModel(
        (options.trainingExamples ?? loadLabelledSet().dev)
          .filter((e) => e.lang === language && e.services.length > 0)
          .map((e) => {
            const r = read({ id: 'training', text: e.text });
            return { features: intentFeatures(r.tokens, r.serviceTokens), outage: e.outage };
          }),
      ),
    ]),
  );

  const understandPost = (post: PostText): Understood => {
    const { tokens, hashtags, mentions, serviceTokens, language, cues } = read(post);
    const intentModel = intentModels.get(language);
    /** Asked once per post, only when a service is named and the rules found nothing to go by (no closure: see undecidedSaysOutage). */
    let intentSaysOutage: boolean | undefined;
    const counted = mentions.filter((m) => m.counted);
    // Most posts of a firehose name no service: nothing to group, score or say.
    if (counted.length === 0) return { postId: post.id, language, hashtags, outage: false, problem: 'other', services: [] };
    const byService = new Map<string, Mention[]>();
    for (const m of counted) {
      const list = byService.get(m.service.id) ?? [];
      list.push(m);
      byService.set(m.service.id, list);
    }

    // Scored once per post, and only when something in it is down: most posts name no service.
    let scores: ProblemScores | undefined;
    const services: ServiceReading[] = [];
    let anyOutage = false;
    for (const [serviceId, list] of byService) {
      const service = list[0]!.service;
      let said = combinePolarity(list);
      const fromWords =
        said.polarity === null && list.every((m) => m.certainty !== 'ambiguous') && intentModel !== undefined && (intentSaysOutage ??= undecidedSaysOutage(intentModel, cues, tokens, serviceTokens));
      if (fromWords) said = { polarity: 'outage', cue: null, intentConfidence: INTENT_MODEL_CONFIDENCE };
      const outage = said.polarity === 'outage';
      if (outage && scores === undefined) scores = problemModel.score(problemFeatures(tokens, serviceTokens));
      const problem = outage ? problemModel.best(scores!, service.problems) : 'other';
      let attribution = -Infinity;
      let viaHashtag = false;
      // The mentions' evidence, each once, in order (a loop, not a Set: a service is named once or twice a post).
      const evidence: string[] = [];
      for (const m of list) {
        if (m.attribution > attribution) attribution = m.attribution;
        viaHashtag ||= m.via === 'hashtag';
        if (!evidence.includes(m.evidence)) evidence.push(m.evidence);
      }
      const confidence = Math.round(attribution * said.intentConfidence * 100) / 100;
      if (said.cue) evidence.push(`${said.cue.polarity === 'outage' ? 'outage cue' : 'working cue'} "${said.cue.phrase}"`);
      if (fromWords) evidence.push(`${language} words read as a complaint (intent model)`);
      if (evidence.length > MAX_EVIDENCE) evidence.length = MAX_EVIDENCE;
      for (let k = 0; k < evidence.length; k++) evidence[k] = clip(evidence[k]!);
      services.push({
        serviceId,
        kind: viaHashtag ? 'hashtag' : 'mention',
        outage,
        problem,
        confidence,
        evidence,
      });
      anyOutage ||= outage;
    }
    return { postId: post.id, language, hashtags, outage: anyOutage, problem: scores ? problemModel.best(scores) : 'other', services };
  };

  const readPost = (post: PostText & Partial<Pick<PostEvent, 'authorHash' | 'receivedAt'>>, receivedAt?: number): { language: DetectedLanguage; signals: SignalEvent[] } => {
    const understood = understandPost(post);
    const received = receivedAt ?? post.receivedAt ?? Date.now();
    const hashtags = understood.hashtags.slice(0, MAX_HASHTAGS);
    const signals: SignalEvent[] = [];
    for (const s of understood.services) {
      // The optional fields are set in the order a spread would put them, without its temporary objects.
      const signal: { -readonly [K in keyof SignalEvent]: SignalEvent[K] } = {
        id: signalIdFor(post.id, s.serviceId),
        sourceId: post.id,
        serviceId: s.serviceId,
        kind: s.kind,
        at: post.at ?? received,
        receivedAt: received,
        outage: s.outage,
        problem: s.problem,
        confidence: s.confidence,
      } as SignalEvent;
      if (post.country) signal.country = post.country;
      if (post.authorHash) signal.reporterHash = post.authorHash;
      signal.hashtags = hashtags;
      signal.evidence = [...s.evidence];
      signals.push(signal);
    }
    return { language: understood.language, signals };
  };

  return {
    catalog,
    problemModel,
    understandPost,
    signalsForPost(post, receivedAt) {
      return readPost(post, receivedAt).signals;
    },
    readPost,
    signalForReport(report) {
      // A hashtag is a token that starts with '#', and nothing before the tokenizer adds one: a
      // text without '#' (nearly every report) has none, without tokenising it (a tenth of
      // ingest's CPU a batched report went to tokenising report texts for hashtags they lacked).
      const hashtags = report.text?.includes('#') ? tokenise(report.text, segmenter).hashtags.slice(0, MAX_HASHTAGS) : [];
      const evidence = [REPORT_EVIDENCE.get(report.problem) ?? `report button: ${report.problem}`];
      // The fields in the schema's order, country only when the report has one: two literals
      // rather than a spread of a temporary object (ingest makes one of these a report).
      return report.country
        ? { id: report.id, sourceId: report.id, serviceId: report.serviceId, kind: 'report', at: report.at, receivedAt: report.receivedAt, outage: true, problem: report.problem, confidence: 1, country: report.country, reporterHash: report.reporterHash, hashtags, evidence }
        : { id: report.id, sourceId: report.id, serviceId: report.serviceId, kind: 'report', at: report.at, receivedAt: report.receivedAt, outage: true, problem: report.problem, confidence: 1, reporterHash: report.reporterHash, hashtags, evidence };
    },
  };

}

/** The words the intent model reads: the post's words without the service names and handles. */
function intentFeatures(tokens: readonly Token[], serviceTokens: Uint8Array): string[] {
  return tokens.filter((t, i) => t.kind === 'word' && !serviceTokens[i]).map((t) => t.key);
}

/**
 * The intent model's reading of a post the rules leave undecided: no cue of either polarity, nothing
 * a neutraliser dropped, nothing settled. A module function rather than a closure made per post:
 * under tsx (keepNames) every named closure costs a defineProperty when it is made.
 */
function undecidedSaysOutage(intentModel: IntentModel, cues: ReturnType<typeof analyseCues>, tokens: readonly Token[], serviceTokens: Uint8Array): boolean {
  return (
    !cues.clauses.some((c) => c.cues.length > 0 || c.neutralisedBy !== undefined || (c.dropped?.length ?? 0) > 0 || c.settled) &&
    saysOutage(intentModel, intentFeatures(tokens, serviceTokens))
  );
}

/** The lexicon language a source declared ("pt-BR" -> pt), if downradar has one for it. */
function declaredLexicon(lang: string | undefined): LanguageCode | undefined {
  const code = lang?.slice(0, 2).toLowerCase();
  return code && (LANGUAGE_CODES as readonly string[]).includes(code) ? (code as LanguageCode) : undefined;
}

/** Countries the post probably comes from: by its declared language, its detected language, or the language of its cue words. */
function likelyCountriesOf(lang: string | undefined, detected: LanguageCode | undefined, cueLanguages: ReadonlySet<CueLanguage>): readonly string[] {
  const declared = declaredLexicon(lang);
  if (declared) return LANGUAGE_COUNTRIES[declared];
  if (cueLanguages.size === 1) return LANGUAGE_COUNTRIES[[...cueLanguages][0]!];
  if (detected) return LANGUAGE_COUNTRIES[detected];
  return [];
}

function newMention(
  service: CatalogService,
  start: number,
  end: number,
  via: Mention['via'],
  certainty: NameCertainty,
  hashtagSaysDown: boolean,
  attribution: number,
  evidence: string,
): Mention {
  return {
    service, start, end, via, certainty, hashtagSaysDown, attribution, evidence,
    counted: certainty !== 'ambiguous',
    polarity: null,
    polarityFrom: null,
    polarityFromOrphan: false,
    cueDistance: Infinity,
  };
}

function markServiceTokens(length: number, mentions: readonly Mention[]): Uint8Array {
  const marks = new Uint8Array(length);
  for (const m of mentions) if (m.counted) for (let i = m.start; i < m.end; i++) marks[i] = 1;
  return marks;
}

/** Step 5: nearest cue in the clause, then clauses that speak about the previous clause's services. */
function assignPolarity(tokens: readonly Token[], analysis: ReturnType<typeof analyseCues>, mentions: Mention[]): void {
  const meaningfulBefore = meaningfulWordCounts(tokens);
  const mentionsByClause = new Map<number, Mention[]>();
  for (const m of mentions) {
    const clause = analysis.clauseOf[m.start]!;
    const list = mentionsByClause.get(clause) ?? [];
    list.push(m);
    mentionsByClause.set(clause, list);
    let best: Cue | null = null;
    let bestDistance = Infinity;
    for (const cue of analysis.clauses[clause]?.cues ?? []) {
      const d = distanceBetween(meaningfulBefore, m, cue);
      // Ties go to the later cue: "X is down" puts the state after the subject.
      if (d < bestDistance || (d === bestDistance && best !== null && cue.start > best.start)) {
        best = cue;
        bestDistance = d;
      }
    }
    if (best) {
      m.polarity = best.polarity;
      m.polarityFrom = best;
      m.cueDistance = bestDistance;
    }
  }
  // "is facebook down? whatsapp too": a clause that only adds services takes the previous clause's state.
  analysis.clauses.forEach((clause, c) => {
    const added = mentionsByClause.get(c);
    if (clause.cues.length > 0 || !added || added.some((m) => m.polarity !== null)) return;
    let sharesState = false;
    for (let i = clause.start; i < clause.end && !sharesState; i++) sharesState = ALSO_WORDS.has(tokens[i]!.key);
    if (!sharesState) return;
    for (let k = c - 1; k >= 0; k--) {
      const earlier = mentionsByClause.get(k)?.find((m) => m.polarity !== null);
      if (!earlier) continue;
      for (const m of added) {
        m.polarity = earlier.polarity;
        m.polarityFrom = earlier.polarityFrom;
        m.polarityFromOrphan = true;
        m.cueDistance = 3;
      }
      return;
    }
  });
  analysis.clauses.forEach((clause, c) => {
    if (clause.cues.length === 0 || (mentionsByClause.get(c)?.length ?? 0) > 0) return;
    // "my wifi is fine" has a subject of its own; only a clause without one refers back. One word
    // of its own ("but video won't play") may still be a part of the service: it can say "down", never "fine".
    const firstCue = clause.cues[0]!.start;
    let ownWords = 0;
    for (let i = clause.start; i < firstCue; i++) {
      const t = tokens[i]!;
      if ((t.kind === 'word' || t.kind === 'hashtag') && !BACK_REFERENCE_WORDS.has(t.key)) ownWords++;
    }
    const firstOutage = clause.cues.find((q) => q.polarity === 'outage');
    if (ownWords > 1 || (ownWords === 1 && (!firstOutage || clause.cues.some((q) => q.polarity === 'working')))) return;
    const partOnly = ownWords === 1;
    // An orphan clause ("works again now", "won't load."): it speaks about the nearest earlier clause with services.
    let target: Mention[] | undefined;
    for (let k = c - 1; k >= 0 && !target; k--) target = mentionsByClause.get(k);
    for (let k = c + 1; k < analysis.clauses.length && !target; k++) target = mentionsByClause.get(k);
    if (!target) return;
    const working = partOnly ? undefined : clause.cues.find((q) => q.polarity === 'working');
    for (const m of target) {
      if (working) {
        // "was down for an hour but works again", "is facebook down? nope, works for me": the later word wins.
        m.polarity = 'working';
        m.polarityFrom = working;
        m.polarityFromOrphan = true;
      } else if (m.polarity === null && (firstOutage || !partOnly)) {
        m.polarity = 'outage';
        m.polarityFrom = firstOutage ?? clause.cues[0]!;
        m.polarityFromOrphan = true;
        m.cueDistance = 3;
      }
    }
  });
}

/**
 * What decideAmbiguous reads about one post. Its tests are module functions taking this rather than
 * closures made per post: under tsx (keepNames) every named closure costs a defineProperty when made.
 */
interface AmbiguityContext {
  readonly tokens: readonly Token[];
  readonly mentions: readonly Mention[];
  readonly analysis: ReturnType<typeof analyseCues>;
  readonly meaningfulBefore: Int32Array;
  readonly certainServices: ReadonlySet<string>;
}

// Market talk is about the company ("Meta shares fell", "Акции Meta упали"), never the service.
function aboutMarkets(x: AmbiguityContext, m: Mention): boolean {
  return x.analysis.clauses[x.analysis.clauseOf[m.start]!]?.neutralisedBy === 'finance';
}

/** A cue a neutraliser dropped, right beside the name: "in case zoom dies" is about Zoom, just not now. */
function besideDroppedCue(x: AmbiguityContext, m: Mention): boolean {
  return (
    !aboutMarkets(x, m) &&
    (x.analysis.clauses[x.analysis.clauseOf[m.start]!]?.dropped ?? []).some((cue) => distanceBetween(x.meaningfulBefore, m, cue) <= AMBIGUOUS_MAX_CUE_DISTANCE)
  );
}

function besideContextWord(tokens: readonly Token[], m: Mention): boolean {
  for (let k = Math.max(0, m.start - SERVICE_CONTEXT_WINDOW); k < Math.min(tokens.length, m.end + SERVICE_CONTEXT_WINDOW); k++) {
    if ((k < m.start || k >= m.end) && SERVICE_CONTEXT_WORDS.has(tokens[k]!.key)) return true;
  }
  return false;
}

function hasCertainOther(certainServices: ReadonlySet<string>, m: Mention): boolean {
  return certainServices.size > 1 || (certainServices.size === 1 && !certainServices.has(m.service.id));
}

/** "on teams", "pro zoom", "usa o zap": the word before the name, over an article. */
function platformWordBefore(tokens: readonly Token[], m: Mention): boolean {
  let k = m.start - 1;
  if (ARTICLES.has(tokens[k]?.key ?? '') && tokens[k]!.kind === 'word') k--;
  const before = tokens[k];
  return before !== undefined && before.kind === 'word' && PLATFORM_PREPOSITIONS.has(before.key);
}

/** "both teams", "our teams", "the zoom on my camera", "my fantasy teams" (one word between). */
function asCommonNoun(tokens: readonly Token[], mentions: readonly Mention[], m: Mention): boolean {
  const before = tokens[m.start - 1];
  if (before === undefined || before.kind !== 'word') return false;
  if (COMMON_NOUN_DETERMINERS.has(before.key) || /^\d+$/.test(before.key)) return true;
  const twoBefore = tokens[m.start - 2];
  return twoBefore !== undefined && twoBefore.kind === 'word' && COMMON_NOUN_DETERMINERS.has(twoBefore.key) && !mentions.some((o) => o.end === m.start - 1);
}

function platformWordAfter(tokens: readonly Token[], m: Mention): boolean {
  const after = tokens[m.end];
  return after !== undefined && after.kind === 'word' && PLATFORM_POSTPOSITIONS.has(after.key);
}

function asVerb(tokens: readonly Token[], m: Mention): boolean {
  let k = m.end;
  if (LIGHT_VERB_NEGATORS.has(tokens[k]?.key ?? '')) k++;
  return LIGHT_VERBS.has(tokens[k]?.key ?? '') && tokens[k]!.kind === 'word';
}

/** Step 6: which ambiguous names stand for their service. */
function decideAmbiguous(tokens: readonly Token[], mentions: Mention[], analysis: ReturnType<typeof analyseCues>, nonLatinPost: boolean): void {
  if (!mentions.some((m) => m.certainty === 'ambiguous')) return;
  const hashtagServices = new Set(mentions.filter((m) => m.via === 'hashtag').map((m) => m.service.id));
  const certainServices = new Set(mentions.filter((m) => m.certainty !== 'ambiguous').map((m) => m.service.id));
  const x: AmbiguityContext = { tokens, mentions, analysis, meaningfulBefore: meaningfulWordCounts(tokens), certainServices };
  for (const m of mentions) {
    if (m.certainty !== 'ambiguous') continue;
    const first = tokens[m.start]!;
    const asPlatform = platformWordBefore(tokens, m) && ((first.capitalised && !first.sentenceStart) || hasCertainOther(certainServices, m));
    const wordNotName = asCommonNoun(tokens, mentions, m) || asVerb(tokens, m);
    m.counted =
      hashtagServices.has(m.service.id) ||
      (!wordNotName && m.polarity !== null && !m.polarityFromOrphan && m.cueDistance <= AMBIGUOUS_MAX_CUE_DISTANCE) ||
      (!wordNotName && m.polarity === 'outage' && !m.polarityFromOrphan && platformWordAfter(tokens, m)) ||
      asPlatform ||
      (nonLatinPost && LATIN_WORD.test(first.key) && !aboutMarkets(x, m)) ||
      TURKISH_PROPER_NOUN.test(first.raw) ||
      (!wordNotName && besideDroppedCue(x, m)) ||
      besideContextWord(tokens, m);
  }
  // "if zoom crashes I'll call you on teams": a place you go to, beside another service that counts.
  for (const m of mentions) {
    if (m.certainty !== 'ambiguous' || m.counted || !platformWordBefore(tokens, m)) continue;
    m.counted = mentions.some((o) => o !== m && o.counted && o.service.id !== m.service.id);
  }
  // Lists: "outlook and teams both dead" - a name listed beside a counted one is counted too.
  // Only neighbours in text order can be listed together, so each name looks left and right.
  const inOrder = [...mentions].sort((a, b) => a.start - b.start);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < inOrder.length; k++) {
      const m = inOrder[k]!;
      if (m.counted || m.certainty !== 'ambiguous') continue;
      const left = inOrder[k - 1];
      const right = inOrder[k + 1];
      m.counted = (left !== undefined && left.counted && listedTogether(tokens, left, m)) || (right !== undefined && right.counted && listedTogether(tokens, m, right));
    }
  }
  for (const m of mentions) {
    if (m.certainty === 'ambiguous' && !m.counted) m.polarity = null;
  }
}

function listedTogether(tokens: readonly Token[], left: Mention, right: Mention): boolean {
  const gap = right.start - left.end;
  if (gap < 1 || gap > 2) return false;
  for (let i = left.end; i < right.start; i++) if (!LIST_WORDS.has(tokens[i]!.key)) return false;
  return true;
}

/** Step 5, per service: recovery or "works" beats "down"; a down-hashtag counts unless the text says it is back. */
function combinePolarity(list: readonly Mention[]): { polarity: 'outage' | 'working' | null; cue: Cue | null; intentConfidence: number } {
  const working = list.find((m) => m.polarity === 'working');
  // "#facebookdown, whatsapp works fine": the hashtag stands unless the text says the service is back.
  if (working && (!list.some((m) => m.hashtagSaysDown) || working.polarityFrom?.recovery)) {
    return { polarity: 'working', cue: working.polarityFrom, intentConfidence: 1 };
  }
  const textual = list.filter((m) => m.polarity === 'outage').sort((a, b) => a.cueDistance - b.cueDistance)[0];
  const hashtag = list.some((m) => m.hashtagSaysDown);
  if (textual || hashtag) {
    let intent = hashtag ? 1 : 0.9;
    if (!hashtag && textual) {
      if (textual.polarityFrom?.weak) intent = 0.75;
      else if (textual.polarityFromOrphan || textual.cueDistance > 3) intent = 0.8;
    }
    return { polarity: 'outage', cue: textual?.polarityFrom ?? null, intentConfidence: intent };
  }
  // Named without saying anything about its state: a plain mention.
  return { polarity: null, cue: null, intentConfidence: 0.9 };
}
