import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { buildServiceIndex, FUZZY_BLOCKLIST_PATH } from './service-index';

const catalog = loadCatalog();
const index = buildServiceIndex(catalog);

describe('service index', () => {
  it('indexes ids, names, aliases and misspellings as token phrases', () => {
    expect(index.phrases.get('facebook')?.[0]?.service.id).toBe('facebook');
    expect(index.phrases.get('fb')?.[0]).toMatchObject({ certainty: 'plain' });
    expect(index.phrases.get('facebok')?.[0]).toMatchObject({ certainty: 'misspelling' });
    expect(index.phrases.get('bank of america')?.[0]?.service.id).toBe('bank-of-america');
    expect(index.phrases.get('att')?.[0]?.service.id).toBe('att');
    expect(index.phrases.get('disney plus')?.[0]?.service.id).toBe('disney-plus');
    expect(index.longestPhraseFrom.get('bank')).toBeGreaterThanOrEqual(3);
  });

  it('marks catalog-ambiguous words ambiguous even when they are the id or the name', () => {
    for (const word of ['signal', 'steam', 'x', 'teams', 'chase', 'line', 'orange', 'sky', 'three', 'meta']) {
      expect(index.phrases.get(word)?.every((t) => t.certainty === 'ambiguous'), word).toBe(true);
    }
  });

  it('fuzzy-matches one typo away, two for long names, and caches', () => {
    expect(index.fuzzy('whatsapq')?.service.id).toBe('whatsapp');
    expect(index.fuzzy('intsagram')?.service.id).toBe('instagram');
    expect(index.fuzzy('facebuuk')?.service.id).toBe('facebook');
    expect(index.fuzzy('spotfiy')?.service.id).toBe('spotify');
    expect(index.fuzzy('whatsapq')).toBe(index.fuzzy('whatsapq'));
    expect(index.fuzzy('zebra')).toBeNull();
    expect(index.fuzzy('zoom')).toBeNull();
  });

  it('refuses real words that sit a typo away from a name', () => {
    for (const word of ['twitchy', 'venom', 'revolt', 'tender', 'snapshot', 'telegraph', 'telecom', 'discard']) {
      expect(index.fuzzy(word), word).toBeNull();
    }
  });

  it('ships a blocklist of real words only, none of them a catalog name', () => {
    const blocklist = JSON.parse(readFileSync(FUZZY_BLOCKLIST_PATH, 'utf8')) as string[];
    expect(blocklist.length).toBeGreaterThan(50);
    for (const word of blocklist) expect(index.phrases.has(word), word).toBe(false);
  });

  it('reads hashtags: listed, derived, protest and bare', () => {
    expect(index.readHashtag('facebookdown')).toMatchObject({ saysDown: true, viaCatalog: true, service: { id: 'facebook' } });
    expect(index.readHashtag('facebook_down')).toMatchObject({ saysDown: true, service: { id: 'facebook' } });
    expect(index.readHashtag('deletefacebook')).toMatchObject({ saysDown: false, service: { id: 'facebook' } });
    expect(index.readHashtag('telekomstorung')).toMatchObject({ saysDown: true, service: { id: 'deutsche-telekom' } });
    expect(index.readHashtag('spotifyoutage')).toMatchObject({ saysDown: true, service: { id: 'spotify' } });
    expect(index.readHashtag('quittwitter')).toMatchObject({ saysDown: false, service: { id: 'twitter' } });
    expect(index.readHashtag('netflix')).toMatchObject({ saysDown: false, service: { id: 'netflix' } });
    expect(index.readHashtag('down')).toBeNull();
    expect(index.readHashtag('pizza')).toBeNull();
  });

  it('reads brand handles', () => {
    expect(index.readHandle('spotifycares')?.service.id).toBe('spotify');
    expect(index.readHandle('verizonsupport')?.service.id).toBe('verizon');
    expect(index.readHandle('playstation')?.service.id).toBe('playstation-network');
    expect(index.readHandle('randomperson')).toBeNull();
  });

  it('resolves a shared name by country, then language countries, then volume', () => {
    const vodafone = index.phrases.get('vodafone')!;
    expect(vodafone.map((t) => t.service.id).sort()).toEqual(['vodafone-de', 'vodafone-ie', 'vodafone-uk']);
    expect(index.resolveShared(vodafone, 'IE')).toEqual({ target: expect.objectContaining({ service: expect.objectContaining({ id: 'vodafone-ie' }) }), shared: false });
    expect(index.resolveShared(vodafone, undefined, ['DE', 'AT']).target.service.id).toBe('vodafone-de');
    expect(index.resolveShared(vodafone, undefined)).toMatchObject({ shared: true, target: { service: { id: 'vodafone-uk' } } });
  });
});
