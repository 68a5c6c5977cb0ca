import type { LanguageLexicon } from './types';

export const de: LanguageLexicon = {
  language: 'de',
  countries: ['DE', 'AT', 'CH'],
  outage: [
    'fehlermeldung', 'fehlermeldungen', 'bricht ab', 'bricht standig ab', 'bricht dauernd ab', 'bricht immer ab', 'bricht immer wieder ab', 'verbindung bricht', 'streiken',
    'platt', 'im eimer', 'streikt', 'zickt', 'ladt ewig', 'kein empfang', 'verbindung abgebrochen', 'verbindung getrennt', 'nicht mehr erreichbar', 'geht garnicht', 'laden nicht', 'ladt nix', 'geht nix', 'nichts geht',
    'geht nicht', 'geht nicht mehr', 'geht gar nicht', 'storung', 'stoerung', 'gestort', 'funktioniert nicht',
    'funktioniert nicht mehr', 'ausfall', 'ausgefallen', 'fallt aus', 'kein internet', 'kein netz', 'keine verbindung',
    'ladt nicht', 'laedt nicht', 'kann mich nicht', 'werden nicht gesendet', 'nicht erreichbar', 'empfangt keine',
    'empfangt nicht', 'ist tot', 'tot', 'spinnt', 'abgebrochen', 'fehlgeschlagen', 'kaputt', 'hangt', 'hangen',
    'sturzt ab', 'abgesturzt', 'absturz', 'sturzt', 'weisser bildschirm', 'schwarzer bildschirm', 'offline',
    'weg', 'buffert', 'lauft nicht', 'nicht zugestellt', 'unmoglich', 'schlagt fehl', 'bei einem haken', 'ein haken',
    'abschmiert', 'schmiert ab', 'ruckelt',
    // The separable verbs in a subordinate clause, prefix and verb joined: "weil teams ausfällt", "falls zoom abstürzt".
    'ausfallt', 'absturzt', 'hangen bleibt', 'hangenbleibt',
  ],
  weak: ['probleme', 'problem', 'fehler', 'langsam', 'lahm'],
  errorMessages: [
    'versuche es spater', 'versuchen sie es spater', 'spater erneut', 'spater noch einmal', 'etwas ist schiefgelaufen',
    'ein fehler ist aufgetreten', 'technischer fehler', 'nicht bearbeiten', 'konnen ihre anfrage', 'vorubergehend nicht verfugbar',
    'dienst nicht verfugbar', 'nicht verfugbar', 'netzwerkfehler', 'verbindungsfehler', 'unbekannter fehler', 'fehlerseite',
    'kann nicht abgespielt werden',
  ],
  working: [
    'funktioniert einwandfrei', 'funktioniert gut', 'funktioniert bei mir', 'funktioniert tadellos', 'lauft bei mir',
    'keine storung', 'nicht down', 'ohne probleme', 'kein problem', 'keine probleme', 'lauft normal', 'ganz normal',
    'lauft ohne probleme', 'geht bei mir', 'die seite geht', 'alles gut',
  ],
  recovery: ['geht wieder', 'funktioniert wieder', 'lauft wieder', 'wieder da', 'wieder online', 'behoben', 'wieder erreichbar'],
  idioms: ['ich bin tot', 'totlachen', 'weg damit'],
  negators: ['nicht', 'kein', 'keine', 'nie', 'nichts'],
  functionWords: [
    'nimmt',
    'geht', 'lauft', 'ladt', 'laedt', 'funktioniert', 'offnet', 'verbindet', 'sendet', 'kommt', 'kommen', 'spielt', 'zeigt',
    'reagiert', 'startet', 'akzeptiert', 'komme', 'komm', 'laden', 'verbinden', 'senden', 'anmelden', 'einloggen', 'abspielen', 'herunterladen',
    'zugestellt', 'gesendet', 'erreichbar',
  ],
  errorWords: ['fehler', 'fehlercode', 'code', 'meldet'],
  clauseSplitters: ['aber', 'weil', 'sondern', 'obwohl', 'doch', 'denn'],
  past: ['gestern', 'letzte woche', 'letzten monat', 'letztes jahr', 'vorgestern', 'gestern abend', 'erinnert ihr euch'],
  since: ['seit'],
  conditionals: [
    'sollte','wenn'],
  // Outage verbs that suppose (the infinitive after "sollte", the subjunctive): "sollte zoom abstürzen", "falls teams ausfallen sollte".
  supposed: [
    'ausfallen', 'ausfallen sollte', 'abstürzen', 'absturzen sollte', 'abschmieren', 'hängen bleiben', 'nicht funktionieren',
    'nicht mehr funktionieren', 'ausfiele', 'abstürzte', 'offline gehen',
  ],
  lingering: ['hangt', 'hangen', 'bleibt', 'bleiben', 'springt', 'wirft mich', 'erst nach', 'wartet', 'in der warteschlange', 'die uhr'],
  endless: ['ewig', 'jedem', 'jeder', 'jedes', 'standig', 'dauernd', 'immer wieder', 'minuten', 'stunden', 'stunde'],
  hypothetical: ['falls', 'fur den fall', 'im fall', 'stell dir vor', 'angenommen'],
  finance: ['aktie', 'aktien', 'borse', 'kurs', 'preis', 'preise', 'anleger', 'zahlen', 'quartal', 'umsatz', 'prozent', 'erhoht'],
  postmortem: ['post-mortem', 'postmortem', 'ursache', 'bericht', 'verursacht', 'analyse'],
  news: ['laut', 'zufolge', 'dpa', 'spiegel', 'heise', 'tagesschau', 'eilmeldung'],
  delivery: ['paket', 'pakete', 'bestellung', 'lieferung', 'sendung', 'sendungsverfolgung', 'verteilzentrum', 'zoll', 'zusteller', 'geliefert', 'dhl', 'hermes'],
  surface: ['app', 'seite', 'website', 'webseite'],
  stopwords: [
    'der', 'die', 'das', 'und', 'ist', 'nicht', 'ich', 'mich', 'mir', 'bei', 'mit', 'seit', 'schon', 'wieder', 'auch', 'noch',
    'ein', 'eine', 'kein', 'keine', 'auf', 'den', 'dem', 'es', 'sich', 'mal', 'nur', 'jetzt', 'heute', 'gar', 'wer', 'was',
    'warum', 'hat', 'bin', 'sind', 'geht', 'mehr', 'mein', 'meine', 'euch', 'ihr', 'hier', 'war', 'jetzt', 'alles', 'immer',
  ],
};
