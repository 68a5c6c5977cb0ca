import { describe, expect, it } from 'vitest';
import { hi } from './hi';
import { LEXICONS } from './index';
import { looseSpellings, MAX_FORMS_PER_PHRASE, phraseForms, withVariants } from './variants';

describe('romanised Hindi spellings', () => {
  it('reads long vowels short and drops the short a between consonants', () => {
    expect(looseSpellings('kaam')).toEqual(['kaam', 'kam']);
    expect(looseSpellings('band')).toEqual(['band', 'bnd']);
    expect(looseSpellings('gaya')).toEqual(['gaya', 'gya']);
    expect(looseSpellings('nahi')).toEqual(['nahi', 'nhi']);
    // A long vowel is never dropped, only shortened: "kharaab" is also "khraab" and "khrab".
    expect(looseSpellings('kharaab')).toEqual(expect.arrayContaining(['kharaab', 'kharab', 'khraab', 'khrab']));
    expect(looseSpellings('kharaab')).not.toContain('khrb');
  });

  it('reads a doubled vowel once and an aspirated consonant without its h', () => {
    // "theeek" in a post is read as "thek" (a run of one letter is one letter): the lexicon's "theek" includes it.
    expect(looseSpellings('theek')).toEqual(['theek', 'thik', 'thek', 'teek', 'tik', 'tek']);
    expect(looseSpellings('ghoom')).toEqual(expect.arrayContaining(['ghoom', 'ghum', 'ghom', 'goom', 'gum']));
    expect(looseSpellings('dikh')).toEqual(['dikh', 'dik']);
    expect(looseSpellings('bhej')).toEqual(['bhej', 'bej']);
    expect(looseSpellings('chhoot')).toEqual(expect.arrayContaining(['chhoot', 'choot', 'chut']));
    // "ch" is one letter, "sh" and "rh" are not aspirates: kept.
    expect(looseSpellings('chal')).toEqual(['chal', 'chl']);
    expect(looseSpellings('shuru')).toEqual(['shuru']);
  });

  it('keeps the first and last letter, short words and words that are not plain letters', () => {
    // "atka": the a is first and last; "raha" keeps its final a; "kar" is too short to tell apart.
    expect(looseSpellings('atka')).toEqual(['atka']);
    expect(looseSpellings('raha')).toEqual(['raha', 'rha']);
    expect(looseSpellings('kar')).toEqual(['kar']);
    expect(looseSpellings('4g')).toEqual(['4g']);
    expect(looseSpellings("can't")).toEqual(["can't"]);
  });

  it('combines the listed groups with the loose spellings, the phrase as written first', () => {
    const forms = phraseForms('nahi chal raha', hi.variants!, true);
    expect(forms[0]).toBe('nahi chal raha');
    expect(forms).toEqual(expect.arrayContaining(['ni chl rha', 'nhi chal rahi', 'nahin chal rahe', 'nai chl ra']));
    expect(new Set(forms).size).toBe(forms.length);
  });

  it('falls back to the listed groups when the loose spellings of a long phrase grow past the limit', () => {
    const long = 'kaam naam baat raat saath haath paas jaan maan';
    const forms = phraseForms(long, [], true);
    expect(forms).toEqual([long]);
    expect(forms.length).toBeLessThanOrEqual(MAX_FORMS_PER_PHRASE);
  });

  it('expands negators and function words of a loose-vowel lexicon, and leaves Devanagari and other lexicons alone', () => {
    const expanded = withVariants(hi);
    expect(expanded.negators).toEqual(expect.arrayContaining(['nahin', 'nhin', 'ni', 'नहीं']));
    expect(expanded.functionWords).toEqual(expect.arrayContaining(['chalta', 'chlta', 'jaata', 'jata']));
    expect(expanded.outage).toEqual(expect.arrayContaining(['kam ni kr rha', 'bnd h', 'नहीं चल रहा']));
    const en = LEXICONS.find((l) => l.language === 'en')!;
    expect(en.outage).not.toContain('dwn');
  });
});
