import type { LanguageLexicon } from './types';

export const it: LanguageLexicon = {
  language: 'it',
  countries: ['IT', 'CH', 'SM'],
  outage: [
    'si e bloccato', 'e morto', 'crashato', 'non si carica', 'nessuna connessione', 'non prende', "non c'e linea", 'senza linea', 'non mi carica', 'non mi apre', 'non si vede', 'va a scatti', 'disconnesso', 'mi disconnette',
    'non funziona', 'non funzionano', 'non va', 'non vanno', 'non va piu', 'giu', 'e giu', 'bloccato', 'bloccata',
    'si blocca', 'crasha', 'crash', 'disservizio', 'non carica', 'non caricano', 'non si apre', 'non si collega',
    'non si connette', 'non risponde', 'non parte', 'non partono', 'non arrivano', 'non arriva', 'non invia', 'in tilt',
    'schermo bianco', 'schermo nero', 'rotellina', 'buffering', 'non riesco', 'non mi fa', 'non si aggiorna', 'impossibile',
    'impossibile accedere', 'lentissimo', 'non si scaricano', 'una spunta', 'con una spunta',
  ],
  weak: ['problema', 'problemi', 'errore', 'errori', 'lento', 'lenta'],
  errorMessages: [
    'riprova piu tardi', 'riprovare piu tardi', 'riprova tra poco', 'qualcosa e andato storto', 'si e verificato un errore',
    'errore tecnico', 'non e possibile elaborare', 'impossibile elaborare', 'servizio temporaneamente non disponibile',
    'temporaneamente non disponibile', 'servizio non disponibile', 'errore di rete', 'errore di connessione', 'errore sconosciuto',
    'impossibile riprodurre',
  ],
  working: [
    'funziona benissimo', 'funziona bene', 'a me funziona', 'mi funziona', 'funziona senza problemi', 'va benissimo', 'va bene',
    'a me va', 'nessun problema', 'senza problemi', 'tutto ok', 'tutto a posto', 'il sito funziona',
  ],
  recovery: ['funziona di nuovo', 'e tornato', 'tornato', 'ripristinato', 'risolto', 'va di nuovo', 'di nuovo online'],
  idioms: ['giu di morale', 'va bene cosi', 'non vedo l\'ora'],
  negators: ['non', 'mai', 'niente'],
  functionWords: [
    'funziona', 'funzionano', 'va', 'carica', 'caricano', 'apre', 'collega', 'connette', 'invia', 'inviano', 'arriva', 'arrivano',
    'riesco', 'fa', 'entra', 'entrare', 'accedere', 'accede', 'risponde', 'scarica', 'scaricano', 'aggiorna', 'riproduce',
    'parte', 'partono', 'manda', 'mandano', 'vedere', 'apro', 'collegarmi', 'rientrare',
  ],
  errorWords: ['errore', 'errori', 'codice', 'code'],
  clauseSplitters: ['ma', 'pero', 'perche', 'anche se', 'invece'],
  past: ['ieri', 'settimana scorsa', 'la settimana scorsa', 'mese scorso', 'anno scorso', "l'altro ieri", 'ieri sera', 'ricordate'],
  since: ['da', 'dalle'],
  conditionals: ['se'],
  // Outage verbs that suppose (subjunctive, "dovesse" + infinitive): "nel caso teams si bloccasse", "se zoom dovesse cadere".
  supposed: [
    'si bloccasse', 'si blocchi', 'cadesse', 'crashasse', 'crashi', 'smettesse di funzionare', 'smetta di funzionare',
    'non funzionasse', 'non funzioni', 'dovesse cadere', 'dovesse bloccarsi', 'dovesse crashare', 'dovesse andare giu',
    'dovesse smettere di funzionare', 'andasse giu', 'vada giu', 'si piantasse', 'si pianti', 'desse problemi',
  ],
  lingering: ['salta', 'resta', 'restano', 'mi butta fuori', 'mi riporta', 'si ferma', 'in attesa', 'in coda', "l'orologio", 'orologio'],
  endless: ['ogni', 'di continuo', 'in continuazione', 'minuti', 'ore', 'ora'],
  hypothetical: ['nel caso', 'caso mai', 'qualora', 'immagina', 'e se'],
  finance: ['azioni', 'azione', 'borsa', 'prezzi', 'prezzo', 'investitori', 'trimestrale', 'conti', 'aumenta', 'crollano', 'salgono'],
  postmortem: ['causa', 'post-mortem', 'analisi', 'causato'],
  news: ['secondo il', 'secondo la', 'secondo i', 'ansa', 'repubblica', 'corriere', 'ultim\'ora'],
  delivery: ['pacco', 'pacchi', 'ordine', 'ordini', 'consegna', 'spedizione', 'tracking', 'deposito', 'dogana', 'corriere', 'consegnato'],
  surface: ['app', 'sito', 'pagina'],
  stopwords: [
    'il', 'lo', 'la', 'i', 'gli', 'le', 'di', 'che', 'e', 'non', 'un', 'una', 'mi', 'per', 'con', 'su', 'del', 'della', 'da',
    'anche', 'ancora', 'oggi', 'stasera', 'sempre', 'niente', 'nessuno', 'qualcuno', 'io', 'ho', 'sono', 'piu', 'questo',
    'cosa', 'perche', 'dopo', 'ora', 'tutto', 'ogni', 'riesco', 'stamattina', 'si',
  ],
};
