import { describe, expect, it } from 'vitest';
import { JetstreamCursor } from './jetstream-cursor';
import { postIdFor, readFrame, tagsOf } from './jetstream-frame';

const hashAuthor = (did: string) => `h${Buffer.from(did).toString('hex').slice(-20)}`;
const ctx = { maxFrameBytes: 4096, hashAuthor };
const did = 'did:plc:abcdefghijklmnopqrstuvwx';
const post = (extra: Record<string, unknown> = {}, commit: Record<string, unknown> = {}) =>
  JSON.stringify({
    did,
    time_us: 1_767_614_400_123_456,
    kind: 'commit',
    commit: { rev: '3l3qo2vuowo2b', operation: 'create', collection: 'app.bsky.feed.post', rkey: '3l3qo2vutsw2b', cid: 'bafyreib', record: { $type: 'app.bsky.feed.post', createdAt: '2026-01-05T12:00:00.000Z', text: 'is instagram down?', langs: ['en'], ...extra }, ...commit },
  });

describe('readFrame', () => {
  it('turns the creation of a post into a candidate post, the DID hashed', () => {
    const v = readFrame(post({ reply: { root: { uri: `at://${did}/app.bsky.feed.post/root1`, cid: 'x' }, parent: { uri: `at://${did}/app.bsky.feed.post/par1`, cid: 'y' } } }), ctx);
    expect(v.type).toBe('post');
    if (v.type !== 'post') return;
    expect(v.timeUs).toBe(1_767_614_400_123_456);
    expect(v.post.candidate).toEqual({
      id: postIdFor(hashAuthor(did), '3l3qo2vutsw2b', hashAuthor),
      at: 1_767_614_400_123,
      text: 'is instagram down?',
      source: 'bluesky',
      authorHash: hashAuthor(did),
      lang: 'en',
      replyTo: postIdFor(hashAuthor(did), 'par1', hashAuthor),
    });
    expect(JSON.stringify(v.post)).not.toContain(did);
  });

  it('reads hashtags from tag facets and record tags, not from links or mentions', () => {
    const record = {
      facets: [
        { index: { byteStart: 0, byteEnd: 13 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'facebookdown' }] },
        { index: { byteStart: 14, byteEnd: 20 }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://x.test' }] },
        { index: { byteStart: 21, byteEnd: 30 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did }] },
      ],
      tags: ['outage'],
    };
    expect(tagsOf(record)).toEqual(['facebookdown', 'outage']);
  });

  it('moves the cursor on every other frame without making a post', () => {
    expect(readFrame(post({}, { operation: 'delete', record: undefined }), ctx)).toEqual({ type: 'skip', timeUs: 1_767_614_400_123_456 });
    expect(readFrame(post({}, { collection: 'app.bsky.feed.like' }), ctx).type).toBe('skip');
    expect(readFrame(JSON.stringify({ did, time_us: 5, kind: 'identity', identity: { did, handle: 'a.bsky.social', seq: 1, time: '2026-01-05T12:00:00Z' } }), ctx)).toEqual({ type: 'skip', timeUs: 5 });
    expect(readFrame(JSON.stringify({ did, time_us: 6, kind: 'account', account: { active: false, did, seq: 2, time: '2026-01-05T12:00:00Z' } }), ctx)).toEqual({ type: 'skip', timeUs: 6 });
  });

  it('names what is wrong with a malformed frame', () => {
    expect(readFrame('{not json', ctx)).toMatchObject({ type: 'invalid', code: 'NOT_JSON' });
    expect(readFrame('[1,2]', ctx)).toMatchObject({ type: 'invalid', code: 'BAD_FRAME' });
    expect(readFrame(JSON.stringify({ did, kind: 'commit' }), ctx)).toMatchObject({ type: 'invalid', code: 'BAD_FRAME', reason: expect.stringContaining('time_us') });
    expect(readFrame(JSON.stringify({ did: 'bob', time_us: 1, kind: 'commit' }), ctx)).toMatchObject({ code: 'BAD_FRAME', reason: expect.stringContaining('DID') });
    expect(readFrame(post({ text: 42 }), ctx)).toMatchObject({ type: 'invalid', timeUs: 1_767_614_400_123_456, reason: expect.stringContaining('text') });
    expect(readFrame(JSON.stringify({ did, time_us: 7, kind: 'weird' }), ctx)).toMatchObject({ type: 'invalid', timeUs: 7 });
  });

  it('refuses a frame over the size limit before parsing it, keeping its time_us', () => {
    const v = readFrame(post({ text: 'facebook down '.repeat(400) }), ctx);
    expect(v).toMatchObject({ type: 'invalid', code: 'FRAME_TOO_LARGE', timeUs: 1_767_614_400_123_456 });
  });

  it('keeps only a well-formed language', () => {
    const v = readFrame(post({ langs: ['not a lang!'] }), ctx);
    expect(v.type).toBe('post');
    expect(v.type === 'post' && 'lang' in v.post.candidate).toBe(false);
  });
});

describe('JetstreamCursor', () => {
  it('resumes rewindUs before the last event, and knows what it produced within the rewind', () => {
    const c = new JetstreamCursor(5_000_000);
    expect(c.resumeFromUs()).toBeUndefined();
    c.advance(100_000_000, 'wss://a');
    c.markProduced('p1', 96_000_000);
    c.markProduced('p0', 90_000_000);
    c.advance(99_000_000, 'wss://a');
    const snap = c.snapshot();
    expect(snap.timeUs).toBe(100_000_000);
    expect(snap.recent).toEqual([['p1', 96_000_000]]);
    const restored = new JetstreamCursor(5_000_000, 100, JetstreamCursor.parse(JSON.stringify(snap)));
    expect(restored.resumeFromUs()).toBe(95_000_000);
    expect(restored.produced('p1')).toBe(true);
    expect(restored.produced('p0')).toBe(false);
    expect(restored.lastEndpoint).toBe('wss://a');
  });

  it('bounds what it remembers, and reads a damaged record as none', () => {
    const c = new JetstreamCursor(1e12, 3);
    for (let i = 0; i < 5; i++) c.markProduced(`p${i}`, i);
    expect(c.produced('p0')).toBe(false);
    expect(c.produced('p4')).toBe(true);
    expect(JetstreamCursor.parse('{oops')).toBeUndefined();
    expect(JetstreamCursor.parse(JSON.stringify({ timeUs: 'x' }))).toBeUndefined();
  });
});
