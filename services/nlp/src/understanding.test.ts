import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignalEvent, type ReportEvent } from '../../../schemas/events/index';
import { loadLabelledSet } from './labelled-set';
import { createUnderstanding, signalIdFor, type Understanding, type Understood } from './understanding';

let understanding: Understanding;
beforeAll(() => {
  understanding = createUnderstanding();
});

let nextId = 0;
function understand(text: string, extra: { country?: string; lang?: string } = {}): Understood {
  return understanding.understandPost({ id: `t${nextId++}`, text, ...extra });
}
/** serviceId -> outage, the shape most assertions care about. */
function readings(text: string, extra: { country?: string; lang?: string } = {}): Record<string, boolean> {
  return Object.fromEntries(understand(text, extra).services.map((s) => [s.serviceId, s.outage]));
}

describe('hashtags', () => {
  it.each([
    ['#facebookdown', 'facebook'],
    ['#FacebookDown', 'facebook'],
    ['#facebook_down', 'facebook'],
    ['#fbdown', 'facebook'],
    ['#whatsappdown', 'whatsapp'],
    ['#instadown', 'instagram'],
    ['#instagramdown', 'instagram'],
    ['#twitterdown', 'twitter'],
  ])('%s names %s and says it is down', (text, serviceId) => {
    const understood = understand(text);
    expect(understood.services).toHaveLength(1);
    expect(understood.services[0]).toMatchObject({ serviceId, kind: 'hashtag', outage: true });
    expect(understood.outage).toBe(true);
  });

  it('#deletefacebook names facebook without saying it is down', () => {
    expect(understand('#deletefacebook').services).toEqual([expect.objectContaining({ serviceId: 'facebook', kind: 'hashtag', outage: false })]);
    expect(understand('time to #DeleteFacebook for good').outage).toBe(false);
  });

  it('reads hashtags the catalog does not list by their parts', () => {
    expect(understand('#steamdown again').services[0]).toMatchObject({ serviceId: 'steam', kind: 'hashtag', outage: true });
    expect(understand('#netflixcaido').services[0]).toMatchObject({ serviceId: 'netflix', outage: true });
    expect(understand('#boycottamazon').services[0]).toMatchObject({ serviceId: 'amazon', outage: false });
    expect(understand('great #netflix night').services[0]).toMatchObject({ serviceId: 'netflix', kind: 'hashtag', outage: false });
  });

  it('lists every hashtag, lower case, without #, underscores and accents kept, once', () => {
    expect(understand('#Facebook_Down #Störung #facebook_down #Pizza').hashtags).toEqual(['facebook_down', 'störung', 'pizza']);
  });

  it('keeps a down-hashtag unless the text says the service is back', () => {
    expect(readings('#facebookdown and whatsapp works fine')).toEqual({ facebook: true, whatsapp: false });
    expect(readings('#facebookdown is trending lol it is back up now')).toEqual({ facebook: false });
  });

  it('does not let a hashtag say another service is down', () => {
    expect(readings('everyone running to twitter #facebookdown')).toEqual({ facebook: true, twitter: false });
  });
});

describe('mentions through names, aliases, misspellings and fuzzy matching', () => {
  it.each([
    ['is facebok down?', 'facebook'],
    ['whatsapp not working', 'whatsapp'],
    ['insta keeps crashing', 'instagram'],
    ["can't login to fb", 'facebook'],
    ['is whatsapq down?', 'whatsapp'],
    ['instagrma not loading', 'instagram'],
    ['facebook.com not loading', 'facebook'],
    ['AT&T has no service', 'att'],
    ['disney+ keeps crashing', 'disney-plus'],
    ['@SpotifyCares app keeps pausing', 'spotify'],
    ['Bank of America website down', 'bank-of-america'],
  ])('%s -> %s, outage', (text, serviceId) => {
    expect(readings(text)).toEqual({ [serviceId]: true });
  });

  it('says how it matched', () => {
    expect(understand('is facebok down?').services[0]!.evidence).toEqual(expect.arrayContaining(['misspelling "facebok"', 'outage cue "down"']));
    expect(understand('is whatsapq down?').services[0]!.evidence[0]).toMatch(/^fuzzy "whatsapq" ~ "whatsapp"/);
    expect(understand('#fbdown').services[0]!.evidence).toContain('hashtag #fbdown');
  });

  it('prefers the longest catalog phrase', () => {
    expect(readings('facebook messenger not sending')).toEqual({ messenger: true });
    expect(readings('google cloud is throwing errors')).toEqual({ 'google-cloud': true });
    expect(readings('amazon web services outage')).toEqual({ aws: true });
  });

  it('does not fuzzy-match real words', () => {
    expect(understand('my eye is twitchy today').services).toEqual([]);
    expect(understand('venom was a good movie').services).toEqual([]);
    expect(understand('the telegraph ran a story').services).toEqual([]);
  });

  it('finds several services in one post', () => {
    expect(readings('facebook, instagram and whatsapp all down at the same time')).toEqual({ facebook: true, instagram: true, whatsapp: true });
  });
});

describe('outage intent versus other meanings', () => {
  it.each([
    ["I'm down for pizza", {}],
    ['Facebook stock is down 5%', { facebook: false }],
    ['download facebook', { facebook: false }],
    ['facebook is back up', { facebook: false }],
    ['facebook is not down for me', { facebook: false }],
    ['whatsapp works fine', { whatsapp: false }],
    ["instagram isn't down, your wifi is", { instagram: false }],
    ['calm down, whatsapp will be fine', { whatsapp: false }],
    ['shutting down my facebook account for good', { facebook: false }],
    ['remember when facebook went down for 6 hours in 2021?', { facebook: false }],
    ['facebook should be down for maintenance more often lol', { facebook: false }],
    ['netflix is cracking down on password sharing', { netflix: false }],
    ['is facebook down? nope, works for me', { facebook: false }],
    ['whatsapp was down for an hour but works again', { whatsapp: false }],
    ['just posted a new photo on instagram', { instagram: false }],
  ])('%s is not a complaint', (text, expected) => {
    expect(readings(text)).toEqual(expected);
  });

  it.each([
    'is whatsapp down?',
    'Is Facebook down or is it just me',
    'facebook down for 2 hours now',
    'whatsapp down for everyone?',
    'instagram down again',
    'anyone else having problems with netflix tonight?',
    'spotify says no internet connection but my wifi is fine',
  ])('%s is a complaint', (text) => {
    expect(understand(text).outage).toBe(true);
  });

  it('gives each service the state of its own clause', () => {
    expect(readings('instagram works fine but whatsapp is down')).toEqual({ instagram: false, whatsapp: true });
    expect(readings('facebook is back up but whatsapp still not sending messages')).toEqual({ facebook: false, whatsapp: true });
    expect(readings('twitter working again, instagram still down')).toEqual({ twitter: false, instagram: true });
  });

  it('reads a clause without a service as speaking about the one before', () => {
    expect(readings('Instagram. Won’t load.')).toEqual({ instagram: true });
  });

  it.each([
    ['whatsapp caído otra vez', 'whatsapp'],
    ['facebook no funciona', 'facebook'],
    ['instagram fora do ar', 'instagram'],
    ['o zap caiu?', 'whatsapp'],
    ['whatsapp en panne depuis ce matin', 'whatsapp'],
    ['instagram ne marche pas', 'instagram'],
    ['facebook geht nicht', 'facebook'],
    ['Instagram Störung?', 'instagram'],
    ['WhatsApp funktioniert nicht', 'whatsapp'],
    ['NÃO CONSIGO ENTRAR NO INSTAGRAM', 'instagram'],
  ])('%s: outage words of es/pt/fr/de', (text, serviceId) => {
    expect(readings(text)).toEqual({ [serviceId]: true });
  });

  it.each([
    ['whatsapp ya volvió', 'whatsapp'],
    ['o whatsapp voltou', 'whatsapp'],
    ['instagram fonctionne à nouveau', 'instagram'],
    ['whatsapp geht wieder', 'whatsapp'],
  ])('%s: recovery words of es/pt/fr/de', (text, serviceId) => {
    expect(readings(text)).toEqual({ [serviceId]: false });
  });
});

describe('ambiguous names', () => {
  it('count with an outage word right beside them', () => {
    expect(readings('X is down again')).toEqual({ twitter: true });
    expect(readings('Signal is down too')).toEqual({ signal: true });
    expect(readings('Steam not working')).toEqual({ steam: true });
    expect(readings('teams keeps crashing')).toEqual({ 'microsoft-teams': true });
  });

  it('count beside their own hashtag, as a platform, or in a list of services', () => {
    expect(understand('steam sale #steamdown').services.map((s) => s.serviceId)).toEqual(['steam']);
    expect(readings('posted it on X and it got 1000 likes')).toEqual({ twitter: false });
    expect(readings('switching from whatsapp to signal and telegram')).toEqual({ whatsapp: false, signal: false, telegram: false });
    expect(readings('microsoft is down? outlook and teams both dead')).toEqual({ 'microsoft-365': true, outlook: true, 'microsoft-teams': true });
  });

  it('do not count otherwise', () => {
    for (const text of ['x marks the spot', 'no signal in the subway', 'steam rising from my coffee', 'chase your dreams', 'the sky is so clear tonight', 'meta analysis of 40 studies', 'Meta shares are down 3% after earnings', 'prime time tv is dead']) {
      expect(understand(text).services, text).toEqual([]);
    }
  });
});

describe('names shared between countries', () => {
  it('go by the post country, then by the language of the outage words', () => {
    expect(readings('vodafone down', { country: 'IE' })).toEqual({ 'vodafone-ie': true });
    expect(readings('vodafone down', { country: 'DE' })).toEqual({ 'vodafone-de': true });
    expect(readings('vodafone störung, kein internet')).toEqual({ 'vodafone-de': true });
    expect(readings('vodafone down', { lang: 'de' })).toEqual({ 'vodafone-de': true });
  });

  it('fall back to the busiest, with lower confidence', () => {
    const [reading] = understand('vodafone down').services;
    expect(reading!.serviceId).toBe('vodafone-uk');
    expect(reading!.confidence).toBeLessThan(understand('vodafone down', { country: 'GB' }).services[0]!.confidence);
  });
});

describe('problem category', () => {
  it.each([
    ["can't login to fb", 'login'],
    ['insta keeps crashing', 'app'],
    ['whatsapp messages not sending', 'messaging'],
    ['facebook website won’t load on my laptop', 'website'],
    ['psn servers down, cannot connect to online', 'server_connection'],
    ['is facebook down?', 'other'],
  ])('%s -> %s', (text, problem) => {
    const understood = understand(text);
    expect(understood.problem).toBe(problem);
    expect(understood.services[0]!.problem).toBe(problem);
  });

  it('stays within what the service offers', () => {
    const netflix = understanding.catalog.get('netflix')!;
    expect(netflix.problems).not.toContain('messaging');
    expect(netflix.problems).toContain(understand('netflix messages not sending').services[0]!.problem);
  });

  it('is other when nothing is down', () => {
    expect(understand('watching netflix with my cat').problem).toBe('other');
  });
});

describe('signals', () => {
  const post = { id: 'tw-123', text: 'is facebook down?? whatsapp too #FacebookDown', at: 1_633_362_240_000, source: 'twitter', authorHash: 'a1b2', country: 'GB' };

  it('gives one valid signal per service, id post:service', () => {
    const signals = understanding.signalsForPost(post, 1_633_362_241_000);
    expect(signals.map((s) => s.id).sort()).toEqual(['tw-123:facebook', 'tw-123:whatsapp']);
    for (const s of signals) expect(Value.Check(SignalEvent, s), JSON.stringify([...Value.Errors(SignalEvent, s)])).toBe(true);
    const facebook = signals.find((s) => s.serviceId === 'facebook')!;
    expect(facebook).toMatchObject({
      sourceId: 'tw-123',
      kind: 'hashtag',
      outage: true,
      at: post.at,
      receivedAt: 1_633_362_241_000,
      country: 'GB',
      reporterHash: 'a1b2',
      hashtags: ['facebookdown'],
    });
    expect(signals.find((s) => s.serviceId === 'whatsapp')).toMatchObject({ kind: 'mention', outage: true });
  });

  it('gives none for a post about no service', () => {
    expect(understanding.signalsForPost({ id: 'p1', text: "I'm down for pizza" }, 1)).toEqual([]);
  });

  it('keeps ids within the contract for long post ids', () => {
    const longId = 'a'.repeat(128);
    const id = signalIdFor(longId, 'bank-of-america');
    expect(id.length).toBeLessThanOrEqual(128);
    expect(id).toMatch(/^[A-Za-z0-9._:-]+:bank-of-america$/);
    expect(signalIdFor(longId, 'bank-of-america')).toBe(id);
    expect(signalIdFor(`${longId.slice(1)}b`, 'bank-of-america')).not.toBe(id);
  });

  it('turns a report into one report signal', () => {
    const report: ReportEvent = {
      id: 'r-1',
      serviceId: 'whatsapp',
      problem: 'messaging',
      text: 'messages stuck #whatsappdown',
      country: 'BR',
      at: 1_633_362_300_000,
      receivedAt: 1_633_362_300_500,
      reporterHash: 'h',
      source: 'web',
    };
    const signal = understanding.signalForReport(report);
    expect(signal).toMatchObject({ id: 'r-1', sourceId: 'r-1', serviceId: 'whatsapp', kind: 'report', outage: true, confidence: 1, problem: 'messaging', country: 'BR', reporterHash: 'h', hashtags: ['whatsappdown'] });
    expect(Value.Check(SignalEvent, signal)).toBe(true);
  });

  it('has confidences in [0, 1], higher for a hashtag than for a guessed name', () => {
    const hashtag = understand('#facebookdown').services[0]!.confidence;
    const fuzzy = understand('is faceboko down').services[0]!.confidence;
    expect(hashtag).toBeLessThanOrEqual(1);
    expect(fuzzy).toBeGreaterThan(0);
    expect(hashtag).toBeGreaterThan(fuzzy);
  });
});

describe('any input', () => {
  const hostile = [
    '',
    ' ',
    '😭😭😭',
    '\u0000\u0001 facebook \u0000 down',
    '#',
    '@',
    '#_',
    '#' + 'a'.repeat(300),
    'facebook down '.repeat(350),
    'x '.repeat(2500),
    'whatsapp, '.repeat(500) + 'all down',
    '#facebookdown '.repeat(400),
    '\u202Ewhatsapp down\u202C',
    'ＷｈａｔｓＡｐｐ　ｄｏｗｎ',
    'İnstagram çöktü mü?',
    'FACEBOOK'.repeat(600),
    '__proto__ constructor prototype down',
    'a\ud800b facebook down',
  ];

  it.each(hostile.map((t) => [t.slice(0, 40), t]))('%s: valid signals, quickly', (_label, text) => {
    const start = performance.now();
    const signals = understanding.signalsForPost({ id: 'h1', text }, 1);
    expect(performance.now() - start).toBeLessThan(1000);
    for (const s of signals) expect(Value.Check(SignalEvent, s), JSON.stringify([...Value.Errors(SignalEvent, s)].slice(0, 3))).toBe(true);
  });

  it('gives valid signals for every labelled post', () => {
    let signals = 0;
    for (const text of ['is facebook down?', ...Object.values(loadLabelledSet()).flat().map((e) => e.text)]) {
      for (const s of understanding.signalsForPost({ id: 'l1', text, at: 5, authorHash: 'a' }, 6)) {
        signals++;
        expect(Value.Check(SignalEvent, s), text).toBe(true);
      }
    }
    expect(signals).toBeGreaterThan(700);
  });
});
