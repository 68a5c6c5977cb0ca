import { describe, expect, it } from 'vitest';
import { createUnderstanding } from './understanding';
import { analyseCues } from './outage-cues';
import { createSegmenter, foldText, tokenise } from './text-tokens';

const understanding = createUnderstanding();
const read = (text: string) => understanding.understandPost({ id: 't', text });
const said = (text: string) => read(text).services.map((s) => `${s.serviceId}:${s.outage ? 'down' : 'named'}`).sort();

describe('folding and tokens in every script', () => {
  it('keeps Devanagari vowel signs and Japanese voicing marks, unifies Arabic letter variants', () => {
    expect(foldText('नहीं')).toBe('नहीं');
    expect(foldText('ログインできない')).toBe('ログインできない');
    expect(foldText('إنستغرام')).toBe('انستغرام');
    expect(foldText('رسالة')).toBe('رساله');
    expect(foldText('ÇÖKTÜ mü')).toBe('coktu mu');
    expect(foldText('ЁЛКИ')).toBe('елки');
  });

  it('cuts Japanese at dictionary words, keeps katakana words whole, and splits Latin names out', () => {
    const segmenter = createSegmenter(['インスタ', '落ちてる', 'ライン']);
    expect(segmenter.segment('インスタ落ちてる')).toEqual(['インスタ', '落ちてる']);
    expect(segmenter.segment('タイムライン')).toEqual(['タイムライン']);
    expect(tokenise('YouTubeで503エラーが出て').tokens.map((t) => t.key)).toEqual(['youtube', 'で', '503', 'エラー', 'が', '出', 'て']);
  });

  it('keeps codes whole and splits words at hyphens', () => {
    expect(tokenise('error code NW-2-5 on wi-fi').tokens.map((t) => t.key)).toEqual(['error', 'code', 'nw-2-5', 'on', 'wi', 'fi']);
  });

  it('takes Turkish case endings and the Arabic article off names', () => {
    expect(tokenise("twitter'a giremiyorum").tokens[0]!.key).toBe('twitter');
    expect(tokenise("can't login").tokens[0]!.key).toBe("can't");
    expect(tokenise('الواتساب').tokens[0]!.key).toBe('واتساب');
  });
});

describe('outage cues beyond English', () => {
  it.each([
    ['instagram non funziona, non riesco ad accedere', ['instagram:down']],
    ['whatsapp çöktü mü? mesajlar gitmiyor', ['whatsapp:down']],
    ['インスタ開かないんだけど私だけ？', ['instagram:down']],
    ['الواتساب واقف؟ الرسائل ما توصل', ['whatsapp:down']],
    ['o zap caiu de novo?? mensagem não sai', ['whatsapp:down']],
    ['व्हाट्सएप नहीं चल रहा', ['whatsapp:down']],
    ['youtube pe har video me 503 error aa raha hai', ['youtube:down']],
    ['ютуб не грузится', ['youtube:down']],
    ['gak bisa login gmail dari pagi', ['gmail:down']],
    ['discord lädt die server nicht mehr', ['discord:down']],
  ])('%s', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });

  it.each([
    ['gmail was down this morning for like an hour but it is working fine now', ['gmail:named']],
    ['ayer se cayó instagram pero hoy ya funciona normal', ['instagram:named']],
    ['si mañana se cae whatsapp no sé qué hago', ['whatsapp:named']],
    ['falls discord wieder ausfällt, treffen wir uns auf teams', ['discord:named', 'microsoft-teams:named']],
    ['bende whatsapp sorunsuz çalışıyor', ['whatsapp:named']],
    ['my amazon package has been stuck in a depot for 4 days', ['amazon:named']],
    ['Reuters: Microsoft says Teams outage has been resolved', ['microsoft-teams:named']],
    ['the github incident report blames a database failover', ['github:named']],
    ['Акции Meta упали на 5% после отчёта', []],
    ['昨日インスタ落ちてたけど今は普通に使える', ['instagram:named']],
  ])('%s: not a complaint', (text, expected) => {
    expect(said(text)).toEqual(expected);
  });

  it('reads error evidence: codes beside error words, HTTP 5xx, failure messages', () => {
    expect(said('twitch throwing 2000 network error on every channel')).toEqual(['twitch:down']);
    expect(said('github throwing 503s on every page')).toEqual(['github:down']);
    expect(said("chase app: we're sorry, we can't process your request")).toEqual(['chase:down']);
    expect(said('monzo transfers pending for hours, try again later')).toEqual(['monzo:down']);
    expect(said('roblox 279 hata kodu veriyor')).toEqual(['roblox:down']);
    // A year and a count are not codes.
    expect(said('youtube turns 20 in 2025, 500 hours uploaded every minute')).toEqual(['youtube:named']);
  });

  it('reads context words only in the languages they belong to', () => {
    // "hier" is French for yesterday and German for here.
    const german = analyseCues(tokenise('hier geht whatsapp nicht').tokens, undefined, { languages: new Set(['de']) });
    expect(german.clauses.flatMap((c) => (c.neutralisedBy ? [c.neutralisedBy] : []))).toEqual([]);
    const french = analyseCues(tokenise('hier whatsapp était en panne').tokens, undefined, { languages: new Set(['fr']) });
    expect(french.clauses.flatMap((c) => (c.neutralisedBy ? [c.neutralisedBy] : []))).toEqual(['past']);
  });
});

describe('names in every script', () => {
  it.each([
    ['インスタ落ちてる？', 'instagram'],
    ['ネトフリ見れない', 'netflix'],
    ['واتساب لا يعمل', 'whatsapp'],
    ['بالانستقرام مشكلة كبيرة', 'instagram'],
    ['ютубе опять ошибка 503', 'youtube'],
    ['व्हाट्सएप डाउन है', 'whatsapp'],
    ['el wasap no envía nada', 'whatsapp'],
  ])('%s: %s', (text, service) => {
    expect(read(text).services.map((s) => s.serviceId)).toEqual([service]);
  });

  it('keeps ambiguous local names for outage context', () => {
    expect(said('ラインが繋がらない')).toEqual(['line:down']);
    expect(said('タイムラインが面白い')).toEqual([]);
  });

  it('reports the detected language with the reading', () => {
    expect(understanding.readPost({ id: 'p', text: 'インスタ落ちてる？' }, 1)).toMatchObject({ language: 'ja', signals: [expect.objectContaining({ serviceId: 'instagram', outage: true })] });
  });
});
