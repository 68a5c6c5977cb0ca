/**
 * The rules for the hard cases of issue 18's second part: romanised Hindi as people spell it,
 * conditionals and supposing moods, and complaints said without a failure word.
 */
import { describe, expect, it } from 'vitest';
import { analyseCues } from './outage-cues';
import { tokenise } from './text-tokens';
import { createUnderstanding } from './understanding';

const understanding = createUnderstanding();
const said = (text: string) =>
  understanding.understandPost({ id: 't', text }).services.map((s) => `${s.serviceId}:${s.outage ? 'down' : 'named'}`).sort();

describe('romanised Hindi as people spell it', () => {
  it.each([
    ['insta ni chl rha', ['instagram:down']],
    ['gmail kam ni kr rha subah se', ['gmail:down']],
    ['airtel ka net bnd h', ['airtel:down']],
    ['bhai outlook khul hi nahi raha', ['outlook:down']],
    // English verbs made Hindi with "ho": the negation covers the verb before it.
    ['whatsapp pe photo send hi nhi ho rhi', ['whatsapp:down']],
    // A quoted message the app shows.
    ["facebook pe 'session expired' aa raha hai", ['facebook:down']],
    // Letters typed over and over for emphasis are one letter.
    ['whatsapp nahiii chal rahaaa', ['whatsapp:down']],
    ['instaaa downnn hai kyaa', ['instagram:down']],
    // Aspirated consonants without their h, a doubled vowel once.
    ['gmail ka app karab ho gaya', ['gmail:down']],
    ['netflix tek se nahi chal raha', ['netflix:down']],
    // The progressive joined into one word.
    ['yt ni chalra', ['youtube:down']],
    // Working, but badly: a manner word before "chal raha".
    ['jio ka net bahut dheema chal raha hai', ['jio:down']],
    ['whatsapp me kuch gadbad hai kya aaj?', ['whatsapp:down']],
    // What takes minutes to happen; a call cut off.
    ['telegram pe msg send hone me bahut time lag raha', ['telegram:down']],
    ['whatsapp call connect hote hi kat jaati hai', ['whatsapp:down']],
    ['insta pe story dekhne jao to ghoomta hi rehta hai', ['instagram:down']],
    ['zoom meeting baar baar reconnect ho rahi hai', ['zoom:down']],
    ['jio ka net thap pada hai poore sheher me', ['jio:down']],
    ['airtel ka net mar gaya subah se', ['airtel:down']],
    ['linkedin mujhe baar baar logout kar de raha hai', ['linkedin:down']],
    // A negated progressive, whatever its verb: "is not moving on".
    ['youtube shorts scroll karo to aage hi nahi badh raha', ['youtube:down']],
    ['wtsp pe msg nai ja rhe bhaiyo', ['whatsapp:down']],
    // A long vowel where the lexicon writes a short one ("kali screen", "nahi"), and the reverse.
    ['netflix tv pe open karo to kaali screen aur wapas home pe', ['netflix:down']],
    ['insta nahee chal raha', ['instagram:down']],
    // "band" with a word of degree; the habitual "keeps showing" with a lingering sign.
    ['youtube bhi band, insta bhi band, kya ho raha hai aaj', ['instagram:down', 'youtube:down']],
    ['whatsapp pe photos bhejo to ghadi ka nishan hi dikhta rehta hai', ['whatsapp:down']],
    // Joined spellings ("hogya", "jari"), what takes hours to come, what comes and goes.
    ['insta ko kya hogya yr aaj', ['instagram:down']],
    ['whatsapp se pic nai jari kisi ko', ['whatsapp:down']],
    ['gmail pe mail aane me ghanto lag rahe aaj', ['gmail:down']],
    ['jio ka net kabhi aata hai kabhi jaata hai, bilkul bharosa nahi', ['jio:down']],
    // Placing an order is the shop: not a parcel.
    ['amazon pe order place nahi ho raha', ['amazon:down']],
    // A Hindi postposition after an ambiguous name makes it the platform something fails on.
    ['steam pe game download nhi ho rha, 0 bytes pe atka hai', ['steam:down']],
  ])('%s', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });

  it.each([
    ['youtube thik chal rha hai', ['youtube:named']],
    // A negator after the state denies it.
    ['jio down ni hai, mera phone kharab hai', ['jio:named']],
    // "works?" asks: without inversion, the particle or the question mark makes the question.
    ['whatsapp chal raha hai kya?', ['whatsapp:named']],
    // A conditional without "if": a perfective verb, "to", and a future.
    ['discord down hua to whatsapp pe aa jayenge', ['discord:named', 'whatsapp:named']],
    // "Bad" of the eyes, not of the app; a parcel that is late.
    ['youtube dekh dekh ke aankhe kharab ho gayi', ['youtube:named']],
    ['amazon ka parcel 3 din se late hai', ['amazon:named']],
    // "www" stays a word of its own.
    ['www.youtube.com pe naya gaana aaya', ['youtube:named']],
    // A postposition alone does not make a word the product.
    ['steam pe khana banao', []],
    // "na" that ends a clause is a tag ("do it, won't you"), not a negation.
    ['spotify ki playlist share kar na', ['spotify:named']],
    // "Nahi aa raha" of the mind: "I don't get the new update".
    ['insta ka naya update samajh nahi aa raha', ['instagram:named']],
    // The speaker or the listener does not do it: "I am not watching", "why aren't you using".
    ['aaj main youtube nahi dekh raha hu, padhai karni hai', ['youtube:named']],
    ['tum insta kyu nahi chala rahe ho aajkal', ['instagram:named']],
    // A conditional without "if" whose "then" asks for later with an infinitive.
    ['whatsapp band hua to telegram pe aa jaana sab', ['telegram:named', 'whatsapp:named']],
    // "band karo" is an order: "turn youtube off and study".
    ['youtube band karo aur padhai karo', ['youtube:named']],
  ])('%s: not a complaint', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });
});

describe('hypotheticals name the services they suppose', () => {
  it.each([
    ['caso o zoom trave, seguimos no teams', ['microsoft-teams:named', 'zoom:named']],
    ['nel caso zoom si bloccasse, il link di teams è qui', ['microsoft-teams:named', 'zoom:named']],
    ['agar zoom band hua to teams pe milte hain', ['microsoft-teams:named', 'zoom:named']],
    ['falls teams ausfällt, nehmen wir zoom', ['microsoft-teams:named']],
  ])('%s', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });

  it('drops an outage verb in a supposing mood whatever the clause says, and keeps it for attribution', () => {
    const { clauses } = analyseCues(tokenise('o zap pode cair hoje').tokens, undefined, { languages: new Set(['pt']) });
    expect(clauses.flatMap((c) => c.cues)).toEqual([]);
    expect(clauses.flatMap((c) => c.dropped ?? []).map((c) => c.phrase)).toEqual(['cair']);
  });
});

describe('complaints without a failure word', () => {
  it.each([
    ['twitch stream cuts off every few minutes', ['twitch:down']],
    ['discord messages sit there with the clock icon for 10 minutes', ['discord:down']],
    ['youtube springt jedes mal zurück', ['youtube:down']],
    ['netflix se queda pensando horas', ['netflix:down']],
    ['telegram messages arrive 30 minutes late today', ['telegram:down']],
  ])('%s', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });

  it.each([
    ['spotify skips the songs i dislike', ['spotify:named']],
    ['watched twitch for hours', ['twitch:named']],
    ['been on whatsapp every day for years', ['whatsapp:named']],
    ['whatsapp par har din baat hoti hai', ['whatsapp:named']],
  ])('%s: a lingering word or endless time alone is not a complaint', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });
});
