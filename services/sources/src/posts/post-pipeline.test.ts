import { describe, expect, it } from 'vitest';
import { createUnderstanding } from '@downradar/nlp';
import { createPostPipeline, hashtagsNotInText } from './post-pipeline';

const now = Date.UTC(2026, 0, 5, 12, 0, 0);
const pipeline = createPostPipeline(createUnderstanding());
const base = { id: 'bsky:a:1', at: now - 1000, source: 'bluesky', authorHash: 'h1' };

describe('post pipeline', () => {
  it('keeps a post about a catalog service, with its signals', () => {
    const r = pipeline.process({ ...base, text: 'is facebook down?? cant load anything' }, now);
    expect(r.kind).toBe('post');
    if (r.kind !== 'post') return;
    expect(r.post).toMatchObject({ id: 'bsky:a:1', receivedAt: now, source: 'bluesky' });
    expect(r.signals.map((s) => s.serviceId)).toContain('facebook');
    expect(r.signals[0]!.reporterHash).toBe('h1');
  });

  it('lets a facet hashtag that is not in the text decide, without changing the stored text', () => {
    const text = 'nothing loads since an hour';
    expect(pipeline.process({ ...base, text }, now).kind).toBe('irrelevant');
    const r = pipeline.process({ ...base, text }, now, ['WhatsAppDown']);
    expect(r.kind).toBe('post');
    if (r.kind !== 'post') return;
    expect(r.post.text).toBe(text);
    expect(r.signals.map((s) => s.serviceId)).toEqual(['whatsapp']);
    expect(r.signals[0]!.hashtags).toContain('whatsappdown');
  });

  it('drops what is about no catalog service', () => {
    expect(pipeline.process({ ...base, text: 'lovely sunset over the bay tonight' }, now)).toEqual({ kind: 'irrelevant' });
  });

  it('refuses what ingest refuses, naming the field', () => {
    expect(pipeline.process({ ...base, text: '' }, now)).toMatchObject({ kind: 'invalid', code: 'BAD_FIELD', field: 'text' });
    expect(pipeline.process({ ...base, text: 'facebook down \u0007' }, now)).toMatchObject({ kind: 'invalid', code: 'BAD_TEXT', field: 'text' });
    expect(pipeline.process({ ...base, text: 'facebook down', at: now + 3_600_000 }, now)).toMatchObject({ kind: 'invalid', code: 'TIME_IN_FUTURE', field: 'at' });
    expect(pipeline.process({ ...base, text: 'x'.repeat(5001) }, now)).toMatchObject({ kind: 'invalid', field: 'text' });
  });
});

describe('hashtagsNotInText', () => {
  it('adds only tags the text does not carry', () => {
    expect(hashtagsNotInText('down again #FacebookDown', ['facebookdown', 'fbdown', '#FBDOWN', 'two words', ''])).toEqual(['fbdown']);
    expect(hashtagsNotInText('#fbdownx', ['fbdown'])).toEqual(['fbdown']);
  });
});
