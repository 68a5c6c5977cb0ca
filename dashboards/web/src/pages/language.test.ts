import { describe, expect, it } from 'vitest';
import { languageName, languageTitle } from './language';

describe('post languages', () => {
  it('names languages and scripts', () => {
    expect(languageName('pt')).toBe('Portuguese');
    expect(languageName('ja')).toBe('Japanese');
    expect(languageName('hi-Latn')).toMatch(/^Hindi \(Latin/);
  });

  it('falls back to the tag when it is not a language', () => {
    expect(languageName('not a tag!')).toBe('not a tag!');
  });

  it('says what the source declared only when it differs', () => {
    expect(languageTitle('pt', 'en')).toBe('written in Portuguese (detected); the source declared English');
    expect(languageTitle('pt', 'pt')).toBe('written in Portuguese (detected)');
    expect(languageTitle('pt', 'pt-BR')).toBe('written in Portuguese (detected)');
    expect(languageTitle('de', null)).toBe('written in German (detected)');
  });
});
