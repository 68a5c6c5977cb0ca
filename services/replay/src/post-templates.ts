/**
 * What generated posts and report comments say. `{name}` is replaced by one of the service's
 * names as people write them ("facebook", "FB", "Whatsapp"). Outage complaints come in the
 * languages of the countries they are posted from; false friends say "down" (or "caído",
 * "caiu") in another sense, some naming the service ("Facebook stock is down 5%"; on 4 October
 * 2021 Facebook's share price did fall about 5%), some naming nothing ("down for pizza").
 *
 * Templates are split once into the text before and after `{name}`, so a post costs two string
 * concatenations.
 */
import type { ProblemCategory } from '../../../schemas/events/index';

export type PostIntent = 'outage' | 'chatter' | 'false_friend' | 'trend';

/** Language of posts from a country (posts elsewhere are English). */
export const COUNTRY_LANG: Readonly<Record<string, string>> = {
  BR: 'pt', PT: 'pt', ES: 'es', MX: 'es', AR: 'es', CO: 'es', CL: 'es', PE: 'es', VE: 'es',
  FR: 'fr', BE: 'fr', DE: 'de', AT: 'de', CH: 'de', IT: 'it', TR: 'tr', ID: 'id', NL: 'nl',
};

export const OUTAGE_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  en: [
    'is {name} down?', 'is {name} down for anyone else??', '{name} not working', '{name} down again', "can't load {name}",
    "{name} won't send messages", "anyone else's {name} not loading?", '{name} is down lol', 'my {name} keeps saying no connection',
    '{name} down or is it just me', 'wait is {name} down', '{name} servers down?', 'bruh {name} stopped working',
    '{name} outage rn', "Is it just me or is {name} not working?", 'restarted my router 3 times, turns out {name} is down',
    "{name} isn't loading at all", 'is {name} down right now', '{name} down worldwide?', "{name} says 'something went wrong'",
  ],
  es: ['¿Se cayó {name}?', '{name} caído', '{name} no funciona', 'se cayó {name} otra vez', 'no me carga {name}', '¿{name} caído en todo el mundo?'],
  pt: ['{name} fora do ar', '{name} caiu?', 'o {name} caiu', '{name} não está funcionando', '{name} parou de funcionar', 'alguém mais com o {name} fora do ar?'],
  fr: ['{name} en panne ?', '{name} ne marche plus', '{name} est down ?', 'panne de {name} ?', '{name} ne fonctionne pas chez vous ?'],
  de: ['{name} geht nicht', '{name} down?', 'Störung bei {name}?', '{name} funktioniert nicht', 'ist {name} gerade down?'],
  it: ['{name} non funziona', '{name} down?', '{name} è giù?', 'problemi con {name}?'],
  tr: ['{name} çöktü mü?', '{name} çalışmıyor', '{name} neden açılmıyor'],
  id: ['{name} down ya?', '{name} error', '{name} gangguan?', '{name} lagi down'],
  nl: ['{name} storing?', 'ligt {name} eruit?', '{name} werkt niet'],
};

export const CHATTER_TEMPLATES: readonly string[] = [
  'using {name} again today', 'thoughts on {name}?', '{name} just shipped an update', 'just signed up for {name}',
  '{name} has been great this week', 'anyone else use {name} for work?', "what's everyone's opinion on {name}",
  'switching to {name} next month', 'saw an ad for {name} again lol', '{name} customer support was actually helpful',
  'spent way too long on {name} tonight', 'the new {name} design is growing on me', 'how do I change my settings on {name}',
  'my mum finally joined {name}', 'love {name} on a lazy sunday',
];

export const SERVICE_FALSE_FRIEND_TEMPLATES: readonly string[] = [
  '{name} stock is down 5% today', '{name} shares down after the hearing', '{name} usage is down among teens, survey says',
  "I'm down to try the new {name} feature", 'calm down, it is just a {name} post', '{name} downloads hit a record',
  'countdown to the {name} event', 'down bad for {name} memes', "{name} went down in my estimation after that ad",
  'my wifi went down but {name} works fine on 4g', 'ações do {name} caíram 5%', 'las acciones de {name} bajan',
  "{name} en baisse en bourse aujourd'hui",
];

export const NOISE_TEMPLATES: readonly string[] = [
  'down for pizza tonight?', 'feeling a bit down today', 'the market is down again', 'TOUCHDOWN!!!', 'countdown to the weekend',
  "who's down for a movie?", "rain's coming down hard", 'let me down slowly on repeat', 'my fantasy team is down 20 points',
  'sun goes down at 6 now, hate it', 'me caí de la bici jaja', 'o time caiu pra segunda divisão', 'the lift is down again at work',
  'server at the restaurant was so nice', 'is it just me or is everyone tired today',
];

export const REPORT_COMMENTS: Readonly<Record<ProblemCategory, readonly string[]>> = {
  login: ["can't log in", 'login keeps failing', 'password reset not working', 'logged out and cannot get back in'],
  app: ['app keeps crashing', "app won't open", 'app stuck on loading', 'feed not refreshing'],
  server_connection: ['no connection to server', "keeps saying 'connecting...'", 'network error', 'cannot connect'],
  messaging: ['messages not sending', "can't send messages", 'messages stuck on one tick', 'not receiving messages'],
  website: ["website won't load", 'page not loading', 'site says 5xx error', 'DNS error on the site'],
  other: ['something is wrong', 'not working', 'everything is slow', 'weird errors'],
};

/** A template split around `{name}` (at most once; a template without `{name}` has after = ''). */
export interface SplitTemplate {
  before: string;
  after: string;
  hasName: boolean;
}

export function splitTemplate(template: string, slot = '{name}'): SplitTemplate {
  const i = template.indexOf(slot);
  if (i < 0) return { before: template, after: '', hasName: false };
  return { before: template.slice(0, i), after: template.slice(i + slot.length), hasName: true };
}

export function fill(t: SplitTemplate, name: string): string {
  return t.hasName ? t.before + name + t.after : t.before;
}
