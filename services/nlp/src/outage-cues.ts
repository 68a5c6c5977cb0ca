/**
 * Does the author say something is not working, or that it works?
 *
 * A lexicon of phrases in English, Spanish, Portuguese, French and German (plus a little
 * romanised Hindi), matched longest-first on folded tokens, gives "cues" of two polarities:
 * `outage` ("not working", "fora do ar", "geht nicht") and `working` ("works fine", "is back up",
 * "funktioniert wieder"). The phrase lists are plain data so that a new language is an edit, not
 * a code change.
 *
 * The word "down" gets rules of its own, because most of its uses are not outages: "down for
 * pizza", "calm down", "shut down", "down 5%", "down the road". It counts unless one of those
 * readings applies, and "down for" counts only when what follows is who or how long ("down for
 * everyone", "down for 2 hours").
 *
 * Cues are then neutralised by their clause: a clause about share prices (stock, shares, %), a
 * clause that looks back (a year, "remember", "post-mortem", "yesterday"), or a hypothetical
 * ("if it goes down", "should be down"). Questions are NOT neutralised: people ask "is whatsapp
 * down?" precisely when it fails them.
 *
 * Clauses are split at sentence punctuation and at conjunctions that change the subject ("but",
 * "so", "because", "pero", "mais", "aber"), because posts compare services ("instagram works
 * but whatsapp is down"); attaching cues to services is done by the caller, which knows where the
 * services are.
 */
import type { Token } from './text-tokens';
import { phraseKeys } from './text-tokens';

export type Polarity = 'outage' | 'working';

export interface Cue {
  /** First token index (inclusive) and last (exclusive). */
  readonly start: number;
  readonly end: number;
  readonly polarity: Polarity;
  /** The lexicon phrase, for evidence. */
  readonly phrase: string;
  /** Weak cues ("issues", "slow", "error") say less than "not working"; they lower confidence, not the decision. */
  readonly weak: boolean;
  /** Recovery ("back up", "voltou") beats an earlier outage statement about the same service. */
  readonly recovery: boolean;
}

export interface Clause {
  readonly start: number;
  readonly end: number;
  readonly cues: readonly Cue[];
  /** Why the clause's cues were dropped, if they were: for evidence and tests. */
  readonly neutralisedBy?: 'finance' | 'past' | 'hypothetical';
}

export interface CueAnalysis {
  readonly clauses: readonly Clause[];
  /** Token index -> clause index. */
  readonly clauseOf: Int32Array;
  /** Tokens that belong to a cue phrase; service matching skips them ("no signal" is not the Signal app). */
  readonly consumed: Uint8Array;
  /** Languages of the cue phrases found (English ones excepted): a hint at the author's country. */
  readonly languages: ReadonlySet<CueLanguage>;
}

export type CueLanguage = 'en' | 'es' | 'pt' | 'fr' | 'de' | 'hi';

/**
 * Where a language's speakers are, for telling apart services that share a name: "vodafone
 * störung" is Vodafone Germany. English says nothing: it is spoken where every Vodafone is.
 */
export const LANGUAGE_COUNTRIES: Record<CueLanguage, readonly string[]> = {
  en: [],
  es: ['ES', 'MX', 'AR', 'CO', 'CL', 'PE'],
  pt: ['BR', 'PT'],
  fr: ['FR', 'BE', 'CH', 'CA'],
  de: ['DE', 'AT', 'CH'],
  hi: ['IN'],
};

// ---------------------------------------------------------------------------------------------
// Lexicon (natural spelling; folded and tokenised at load, so accents and apostrophes are free)

const OUTAGE_PHRASES: Record<CueLanguage, string[]> = {
  en: [
    'not working', "isn't working", 'is not working', 'not workin', "aren't working", 'are not working', 'stopped working',
    'no longer working', 'not even working', "doesn't work", 'does not work', "don't work", "didn't work", "won't work",
    'not loading', "isn't loading", "won't load", "doesn't load", "can't load", 'never loads', 'loading forever', 'not load',
    'not opening', "won't open", "doesn't open", "can't open", 'not responding', 'unresponsive', 'keeps crashing', 'crashing',
    'crashed', 'crashes', 'crash', 'keeps closing', 'closing itself', 'not sending', "won't send", "isn't sending", "can't send",
    'failed to send', 'not delivering', "won't deliver", 'not delivered', "aren't delivered", 'not receiving', 'not arriving',
    'never arrives', 'never arrived', "aren't coming", 'not coming through', 'not going through', 'not connecting',
    "can't connect", "couldn't connect", 'unable to connect', "won't connect", 'connection error', 'connection reset',
    'connection failed', 'connection keeps dropping', 'network error', 'server error', 'servers down', 'server down',
    'internal server error', 'bad gateway', 'error', 'errors', 'erroring', 'error code', 'went wrong', 'something went wrong',
    'glitching', 'glitch', 'glitched', 'glitchy', 'bugging', 'buggy', 'bugged', 'broken', 'broke', 'dead', 'died',
    'no service', 'no signal', 'no internet', 'no network', 'no connection', 'no data', 'no mobile data', 'no wifi', 'no bars',
    'no tv', 'sos', 'failing', 'fails', 'failed', 'fail', "can't log", "can't login", "can't log in", "can't log into",
    "can't sign", "can't sign in", "can't sign into", 'unable to log', 'unable to sign', "won't let me", 'logged me out',
    'logging me out', 'keeps logging', 'keeps signing', 'signing me out', 'keeps asking', 'keeps saying', "won't accept",
    'not accepting', "isn't accepting", 'stuck', 'spinning', 'spins', 'buffering', 'timing out', 'timeout', 'timed out',
    '500', '502', '503', '504', 'over capacity', 'blank page', 'white screen', 'black screen', 'blank screen', 'freezing',
    'frozen', 'froze', 'freezes', 'lagging', 'laggy', 'disconnecting', 'disconnected', 'disconnects', 'keeps dropping',
    'dropping out', 'cutting out', 'declined', 'not playing', "won't play", "can't play", 'not syncing',
    'not updating', 'not refreshing', "won't refresh", 'unavailable', 'offline', 'outage', 'outages', 'having issues',
    'having problems', 'having trouble', 'issues with', 'problems with', 'trouble with', 'internet out', 'wifi out',
    'service out', 'broadband out', 'out since', 'been out', 'what happened to', 'who broke', 'fix your', 'fix it',
    'acting up', "can't access", "can't get in", "can't get into", 'locked out', 'not letting me', 'keeps stopping',
    'keeps pausing', 'keeps skipping', 'keeps disconnecting', 'not showing', "won't start", 'all gone', 'went dark',
    'nothing works', 'nothing loads', 'nothing is working', 'calls dropping', 'calls keep dropping', 'loops', 'keeps looping',
    'hanging', 'hangs', "won't sign", "won't log", "won't post", "won't upload", "won't stream", "won't download",
    'not resolving', 'says connecting', 'still connecting',
  ],
  es: [
    'caido', 'caida', 'caidos', 'caidas', 'se cayo', 'se cae', 'se cayeron', 'cayo', 'no funciona', 'no me funciona',
    'no funcionan', 'no anda', 'no sirve', 'no carga', 'no cargan', 'no conecta', 'no envia', 'no envian', 'no llegan',
    'no llega', 'no me deja', 'no puedo', 'sin internet', 'sin servicio', 'sin senal', 'sin conexion', 'fallando', 'falla',
    'fallas', 'problemas', 'no abre', 'se cierra', 'esta fallando',
  ],
  pt: [
    'caiu', 'cairam', 'fora do ar', 'nao funciona', 'nao esta funcionando', 'nao ta funcionando', 'parou de funcionar',
    'nao carrega', 'nao abre', 'nao envia', 'nao chegam', 'nao chega', 'nao consigo', 'nao conecta', 'sem internet',
    'sem sinal', 'sem servico', 'sem conexao', 'nao carregam', 'nao esta recebendo', 'nao recebe', 'nao envia', 'travando', 'travou', 'bugou', 'bugado', 'deu pau', 'instavel', 'ta fora',
  ],
  fr: [
    'en panne', 'panne', 'ne marche pas', 'ne marche plus', 'marche pas', 'marche plus', 'ca marche pas', 'ca marche plus',
    'ne fonctionne pas', 'ne fonctionne plus', 'fonctionne pas', 'fonctionne plus', 'impossible de', "n'arrive pas",
    'ne partent pas', 'ne part pas', "ne s'envoient plus", "ne s'envoient pas", 'ne charge pas', 'ne charge plus',
    'plus de reseau', 'plus de connexion', "plus d'internet", 'pas de reseau', "pas d'internet", 'pas de connexion',
    'hors service', 'bug', 'beug', 'bugue', 'plante', 'plantage', 'ne se connecte plus', 'ne se connecte pas',
    'ecran noir', 'ne repond pas', 'ne recoit plus', 'ne recoit pas', 'ne recoit rien',
  ],
  de: [
    'geht nicht', 'geht nicht mehr', 'geht gar nicht', 'storung', 'stoerung', 'gestort', 'funktioniert nicht',
    'funktioniert nicht mehr', 'ausfall', 'ausgefallen', 'kein internet', 'kein netz', 'keine verbindung', 'ladt nicht',
    'laedt nicht', 'kann mich nicht', 'werden nicht gesendet', 'nicht erreichbar', 'empfangt keine', 'empfangt nicht',
    'ist tot', 'tot', 'spinnt', 'abgebrochen', 'fehlgeschlagen', 'fehler', 'probleme', 'kaputt', 'hangt',
  ],
  hi: [
    'nahi chal raha', 'nahi aa raha', 'band hai', 'kaam nahi kar raha',
  ],
};

/** Cues that suggest trouble without saying much: they count, at a lower confidence. */
const WEAK_OUTAGE_PHRASES = new Set(['issue', 'issues', 'problem', 'problems', 'slow', 'so slow', 'super slow', 'error', 'errors', 'glitch', 'bug', 'problemas', 'probleme', 'fehler']);
const EXTRA_WEAK = ['issue', 'issues', 'problem', 'problems', 'slow', 'so slow', 'super slow'];

const WORKING_PHRASES: Partial<Record<CueLanguage, string[]>> = {
  en: [
    'not down', "isn't down", 'is not down', "wasn't down", "aren't down", 'not broken', "isn't broken", 'not dead',
    "isn't dead", 'works fine', 'working fine', 'works for me', 'working for me', 'works perfectly', 'working perfectly',
    'works again', 'working again', 'work again', 'works now', 'working now', 'is working', 'is fine', 'been fine',
    "it's fine", 'all fine', 'fine for me', 'fine here', 'seems fine', 'is ok', 'is okay', 'back up', 'is back', 'are back',
    "it's back", 'back online', 'back to normal', 'came back', 'is up', 'up and running', 'up again', 'fixed', 'restored',
    'resolved', 'no problems', 'no issues', 'no problem', 'no issue', 'nope', 'still working', 'runs fine', 'loads fine',
    'no outage', 'not an outage', 'false alarm', 'crisis over', 'is the only thing still working',
  ],
  es: [
    'funciona bien', 'me funciona bien', 'funciona perfecto', 'funciona normal', 'ya funciona', 'funciona otra vez',
    'volvio', 'ya volvio', 'no esta caido', 'no se cayo', 'funcionando bien',
  ],
  pt: [
    'voltou', 'ja voltou', 'funcionando normal', 'ta funcionando', 'esta funcionando', 'voltou ao normal', 'nao caiu',
    'normalizou',
  ],
  fr: [
    'remarche', 'refonctionne', 'fonctionne a nouveau', 'marche tres bien', 'marche bien', 'fonctionne bien', 'ca marche',
    'est revenu', "n'est pas en panne", 'pas en panne',
  ],
  de: [
    'geht wieder', 'funktioniert wieder', 'funktioniert einwandfrei', 'funktioniert gut', 'lauft wieder', 'keine storung',
    'wieder da', 'wieder online', 'nicht down',
  ],
};
const RECOVERY_PHRASES = new Set([
  'back up', 'is back', 'are back', "it's back", 'back online', 'back to normal', 'came back', 'up and running', 'up again',
  'fixed', 'restored', 'resolved', 'works again', 'working again', 'work again', 'works now', 'working now', 'crisis over',
  'ya funciona', 'funciona otra vez', 'volvio', 'ya volvio', 'voltou', 'ja voltou', 'voltou ao normal', 'normalizou',
  'remarche', 'refonctionne', 'fonctionne a nouveau', 'est revenu', 'geht wieder', 'funktioniert wieder', 'lauft wieder',
  'wieder da', 'wieder online', 'false alarm',
]);

/** Phrases that look like cues but are idioms; matched so that their words are not read as cues. */
const IDIOM_PHRASES = [
  'caiu a ficha', 'broke up', 'dead serious', 'to die for', 'fix my', 'fixed income', 'out now', 'is out now', 'works out',
  'working out', 'work out', 'is working on', 'working on', 'crash course', 'no data collection', 'slow down', 'slowed down',
];

/** Words that end a clause's subject: a cue after them is about something else. */
const CLAUSE_SPLITTERS = new Set([
  'but', 'so', 'because', 'cause', 'cuz', 'bc', 'coz', 'though', 'although', 'however', 'whereas', 'while', 'if', 'pero',
  'porque', 'mas', 'mais', 'parce', 'aber', 'weil', 'sondern',
]);

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
const PERCENT_WORDS = new Set(['%', 'percent', 'per', 'points', 'pts', 'prozent', 'por', 'pour', 'bps']);

/** A clause about markets: price words make "down", "crash" and "fell" about shares, not service. */
const FINANCE_WORDS = new Set([
  'stock', 'stocks', 'share', 'shares', 'price', 'prices', 'market', 'markets', 'nasdaq', 'nyse', 'earnings', 'revenue',
  'revenues', 'investor', 'investors', 'valuation', 'trading', 'premarket', 'bookings', 'quarter', 'quarterly', 'guidance',
  'profit', 'profits', 'sales', 'engagement', 'aktie', 'aktien', 'acciones', 'acoes', 'bourse', 'dividend', 'ipo', 'yoy', '%',
]);
const FINANCE_SENSITIVE = new Set([
  'down', 'crash', 'crashed', 'crashes', 'crashing', 'fell', 'fall', 'drop', 'dropped', 'dropping', 'plunge', 'plunged',
  'tanked', 'caiu', 'cairam', 'bajaron', 'caen', 'fallt', 'chute', 'dead', 'broke', 'broken', 'problems', 'issues',
]);
const PAST_WORDS = new Set(['remember', 'ago', 'anniversary', 'mortem', 'postmortem', 'yesterday', 'history', 'historic', 'recalls']);
const PAST_AFTER_LAST = new Set(['year', 'month', 'week', 'summer', 'winter', 'spring', 'autumn', 'fall', 'time']);
const MODALS = new Set(['should', 'would', 'could', 'might', 'will', 'gonna', 'may', 'must']);
const NEGATORS = new Set(['not', "isn't", "aren't", "wasn't", "weren't", "ain't", 'never', 'nicht', 'pas']);
/** Cues that describe a state ("down", "broken"): a negator just before them flips them ("isn't actually down"). */
const STATE_CUES = new Set(['down', 'broken', 'broke', 'dead', 'crashing', 'caido', 'en panne', 'panne', 'storung', 'offline', 'outage', 'failing']);

interface LexiconEntry {
  readonly keys: readonly string[];
  readonly polarity: Polarity | 'idiom';
  readonly phrase: string;
  readonly weak: boolean;
  readonly recovery: boolean;
  readonly language: CueLanguage | undefined;
}

function buildLexicon(): Map<string, LexiconEntry[]> {
  const byFirstKey = new Map<string, LexiconEntry[]>();
  const add = (phrase: string, polarity: Polarity | 'idiom', language?: CueLanguage) => {
    const keys = phraseKeys(phrase);
    if (keys.length === 0) return;
    const entry: LexiconEntry = {
      keys,
      polarity,
      phrase: keys.join(' '),
      weak: WEAK_OUTAGE_PHRASES.has(keys.join(' ')),
      recovery: RECOVERY_PHRASES.has(keys.join(' ')),
      language,
    };
    const list = byFirstKey.get(keys[0]!) ?? [];
    if (!list.some((e) => e.phrase === entry.phrase)) list.push(entry);
    byFirstKey.set(keys[0]!, list);
  };
  for (const p of IDIOM_PHRASES) add(p, 'idiom');
  for (const [language, phrases] of Object.entries(WORKING_PHRASES)) for (const p of phrases) add(p, 'working', language as CueLanguage);
  for (const [language, phrases] of Object.entries(OUTAGE_PHRASES)) for (const p of phrases) add(p, 'outage', language as CueLanguage);
  for (const p of EXTRA_WEAK) add(p, 'outage');
  // Longest first, so "not working" wins over "not" and "nao esta funcionando" over "esta funcionando".
  for (const list of byFirstKey.values()) list.sort((a, b) => b.keys.length - a.keys.length);
  return byFirstKey;
}

const LEXICON = buildLexicon();

/** Every single word the lexicon knows: such words are never fuzzy-matched to a service name. */
export const CUE_VOCABULARY: ReadonlySet<string> = new Set([...LEXICON.values()].flat().flatMap((e) => e.keys).concat(['down']));

const isWordLike = (t: Token | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'hashtag');

function matchEntry(tokens: readonly Token[], i: number, skip: Uint8Array): LexiconEntry | undefined {
  const candidates = LEXICON.get(tokens[i]!.key);
  if (!candidates) return undefined;
  for (const entry of candidates) {
    let ok = true;
    for (let k = 0; k < entry.keys.length; k++) {
      const t = tokens[i + k];
      if (!isWordLike(t) || skip[i + k] || t!.key !== entry.keys[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return entry;
  }
  return undefined;
}

/** The rules for the one word that is most often not an outage. */
function downIsOutage(tokens: readonly Token[], i: number): boolean {
  const key = (k: number) => (isWordLike(tokens[k]) || tokens[k]?.kind === 'symbol' ? tokens[k]!.key : undefined);
  const prev1 = key(i - 1);
  if (prev1 && DOWN_MOOD_BEFORE.has(prev1)) return false;
  for (let k = 1; k <= 4; k++) {
    const prev = tokens[i - k];
    if (!prev || prev.kind !== 'word' || CLAUSE_SPLITTERS.has(prev.key)) break;
    if (DOWN_PARTICLE_VERBS.has(prev.key)) return false;
  }
  const next1 = key(i + 1);
  const next2 = key(i + 2);
  const next3 = key(i + 3);
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
 * Finds the cues of a tokenised post. `skip` marks tokens already read as something else (service
 * hashtags, whose "down" belongs to their service and not to the clause).
 */
export function analyseCues(tokens: readonly Token[], skip: Uint8Array = new Uint8Array(tokens.length)): CueAnalysis {
  const consumed = new Uint8Array(tokens.length);
  const clauseOf = new Int32Array(tokens.length);
  const clauses: Clause[] = [];
  const languages = new Set<CueLanguage>();

  let clauseStart = 0;
  let cues: Cue[] = [];
  const closeClause = (end: number) => {
    if (end > clauseStart || cues.length > 0) {
      const neutralisedBy = clauseNeutraliser(tokens, clauseStart, end, cues);
      clauses.push({ start: clauseStart, end, cues: neutralisedBy ? [] : filterCues(tokens, cues, clauseStart, end), ...(neutralisedBy ? { neutralisedBy } : {}) });
    }
    clauseStart = end;
    cues = [];
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'boundary') {
      clauseOf[i] = clauses.length;
      closeClause(i + 1);
      continue;
    }
    if (token.kind === 'word' && CLAUSE_SPLITTERS.has(token.key) && i > clauseStart) {
      closeClause(i);
    }
    clauseOf[i] = clauses.length;
    if (skip[i] || !isWordLike(token)) continue;

    const entry = matchEntry(tokens, i, skip);
    if (entry) {
      for (let k = 0; k < entry.keys.length; k++) {
        consumed[i + k] = 1;
        clauseOf[i + k] = clauses.length;
      }
      if (entry.language && entry.language !== 'en') languages.add(entry.language);
      if (entry.polarity !== 'idiom') {
        cues.push({ start: i, end: i + entry.keys.length, polarity: entry.polarity, phrase: entry.phrase, weak: entry.weak, recovery: entry.recovery });
      }
      i += entry.keys.length - 1;
      continue;
    }
    if (token.key === 'down' && (token.kind === 'hashtag' || downIsOutage(tokens, i))) {
      consumed[i] = 1;
      cues.push({ start: i, end: i + 1, polarity: 'outage', phrase: 'down', weak: false, recovery: false });
    }
  }
  closeClause(tokens.length);
  return { clauses, clauseOf, consumed, languages };
}

/** Drops or flips single cues by their immediate neighbours: modals and negators. */
function filterCues(tokens: readonly Token[], cues: readonly Cue[], clauseStart: number, _end: number): Cue[] {
  const out: Cue[] = [];
  for (const cue of cues) {
    const before = (k: number) => (cue.start - k >= clauseStart ? tokens[cue.start - k]?.key : undefined);
    // "should be down for maintenance", "will be down tonight": announced or wished, not happening.
    if (before(1) === 'be' && before(2) !== undefined && MODALS.has(before(2)!)) continue;
    if (cue.polarity === 'outage' && STATE_CUES.has(cue.phrase)) {
      const negated = [1, 2].some((k) => {
        const w = before(k);
        return w !== undefined && NEGATORS.has(w);
      });
      if (negated) {
        out.push({ ...cue, polarity: 'working', phrase: `not ${cue.phrase}`, recovery: false });
        continue;
      }
    }
    out.push(cue);
  }
  return out;
}

function clauseNeutraliser(tokens: readonly Token[], start: number, end: number, cues: readonly Cue[]): Clause['neutralisedBy'] {
  if (cues.length === 0) return undefined;
  const first = tokens[start];
  if (first && (first.key === 'if' || (first.key === 'what' && tokens[start + 1]?.key === 'if') || first.key === 'imagine')) {
    // Only a clause that opens the post or a sentence is a hypothetical; "to see if X is down" is a question.
    const prev = tokens[start - 1];
    if (start === 0 || prev?.kind === 'boundary') return 'hypothetical';
  }
  let finance = false;
  for (let i = start; i < end; i++) {
    const t = tokens[i]!;
    if (/^(19|20)\d\d$/.test(t.key) || PAST_WORDS.has(t.key)) return 'past';
    if (t.key === 'last' && PAST_AFTER_LAST.has(tokens[i + 1]?.key ?? '')) return 'past';
    if (t.key === 'years' && tokens[i + 1]?.key === 'ago') return 'past';
    if (FINANCE_WORDS.has(t.key)) finance = true;
  }
  if (finance && cues.every((c) => FINANCE_SENSITIVE.has(c.phrase))) return 'finance';
  return undefined;
}
