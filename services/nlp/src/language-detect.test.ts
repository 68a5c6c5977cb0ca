import { describe, expect, it } from 'vitest';
import { detectLanguage } from './language-detect';
import { cueLanguageVotes } from './outage-cues';
import { tokenise } from './text-tokens';

const detect = (text: string) => {
  const { tokens } = tokenise(text);
  return detectLanguage(text, tokens, cueLanguageVotes(tokens));
};

describe('language detection', () => {
  it.each([
    ['インスタ落ちてる？タイムライン更新されない', 'ja'],
    ['الواتساب واقف؟ الرسائل ما توصل', 'ar'],
    ['व्हाट्सएप नहीं चल रहा, मैसेज नहीं जा रहे', 'hi'],
    ['ватсап не работает? сообщения не отправляются', 'ru'],
    ['whatsapp nahi chal raha yaar, msg hi nahi ja rahe', 'hi-Latn'],
    ['se cayó whatsapp otra vez? no me llegan los mensajes', 'es'],
    ['o zap caiu de novo?? mensagem não sai', 'pt'],
    ['whatsapp est en panne ? mes messages ne partent pas', 'fr'],
    ['Telekom Störung in München, kein Internet seit 2 Stunden', 'de'],
    ['instagram non funziona, non riesco ad accedere', 'it'],
    ['whatsapp çöktü mü? mesajlar gitmiyor', 'tr'],
    ['wa down ya? chat gak kekirim dari tadi', 'id'],
    ['is anyone else unable to log in to instagram right now?', 'en'],
  ])('%s: %s', (text, language) => {
    expect(detect(text).language).toBe(language);
  });

  it('decides by script when a script holds most letters, and names scripts it has no lexicon for', () => {
    expect(detect('Ютуб не працює, відео не вантажаться і')).toMatchObject({ language: 'uk', lexicon: undefined });
    expect(detect('微信打不开了')).toMatchObject({ language: 'zh', lexicon: undefined });
    expect(detect('카카오톡 안돼요')).toMatchObject({ language: 'ko' });
    // A Latin name in an Arabic post does not make it Latin.
    expect(detect('YouTube يعطيني خطأ 503')).toMatchObject({ language: 'ar', lexicon: 'ar' });
  });

  it('says und when the text gives no evidence', () => {
    expect(detect('#netflixdown').language).toBe('und');
    expect(detect('😭😭😭').language).toBe('und');
    expect(detect('').language).toBe('und');
  });

  it('reads the language of the author, not of the message a post quotes', () => {
    expect(detect("netflix pe 'sorry we are having trouble' aata hai bas").language).toBe('hi-Latn');
    expect(detect("insta login pe 'sorry, there was a problem with your request' aa raha").language).toBe('hi-Latn');
    // A post that is only a quote still has a language.
    expect(detect("'something went wrong, please try again later'").language).toBe('en');
  });

  it('gives romanised Hindi the Hindi lexicon', () => {
    expect(detect('jio ka network gayab hai subah se')).toMatchObject({ language: 'hi-Latn', lexicon: 'hi' });
  });
});
