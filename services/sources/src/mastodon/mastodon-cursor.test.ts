import { describe, expect, it } from 'vitest';
import { compareIds, describeStream, hashtagStreams, MastodonCursor, newestId, rateLimitWaitMs, snowflakeAt, snowflakeMs, timelineUrl } from './mastodon-cursor';

const at = (ms: number, seq = 0) => ((BigInt(ms) << 16n) + BigInt(seq)).toString();

describe('mastodon snowflake ids', () => {
  it('reads the time part and makes the first id of a millisecond', () => {
    expect(snowflakeMs(at(1_767_000_000_000, 77))).toBe(1_767_000_000_000);
    expect(snowflakeAt(1_767_000_000_000)).toBe(at(1_767_000_000_000));
    expect(snowflakeAt(-5)).toBe('0');
    expect(snowflakeMs('abc')).toBeUndefined();
  });

  it('orders ids by length, then lexically, as Mastodon does', () => {
    expect(compareIds('999', '1000')).toBeLessThan(0);
    expect(compareIds('1001', '1000')).toBeGreaterThan(0);
    expect(compareIds('1000', '1000')).toBe(0);
  });
});

describe('MastodonCursor', () => {
  const t0 = 1_767_000_000_000;

  it('has no gap to fill for an instance it never read, and fills from rewindMs before the newest id', () => {
    const c = new MastodonCursor(60_000);
    expect(c.gapFrom('https://a.example')).toBeUndefined();
    c.advance('https://a.example', at(t0 + 5000));
    c.advance('https://a.example', at(t0)); // an older, late-federated status does not move it back
    expect(c.lastId('https://a.example')).toBe(at(t0 + 5000));
    expect(c.gapFrom('https://a.example')).toBe(at(t0 + 5000 - 60_000));
    expect(c.gapFrom('https://b.example')).toBeUndefined();
  });

  it('fills from the id itself where ids are not snowflakes', () => {
    const c = new MastodonCursor(60_000);
    c.advance('https://old.example', 'abc');
    expect(c.gapFrom('https://old.example')).toBe('abc');
  });

  it('survives its record: positions and produced ids within the rewind, older ones dropped', () => {
    const c = new MastodonCursor(60_000);
    c.advance('https://a.example', at(t0 + 200_000));
    c.markProduced('masto:old', at(t0), t0);
    c.markProduced('masto:new', at(t0 + 190_000), t0);
    expect(c.dirty).toBe(true);
    const text = JSON.stringify(c.snapshot());
    expect(c.dirty).toBe(false);
    const back = new MastodonCursor(60_000, undefined, MastodonCursor.parse(text));
    expect(back.produced('masto:new')).toBe(true);
    expect(back.produced('masto:old')).toBe(false);
    expect(back.gapFrom('https://a.example')).toBe(at(t0 + 140_000));
  });

  it('marks itself dirty again when a commit failed', () => {
    const c = new MastodonCursor(1000);
    c.advance('https://a.example', at(t0));
    c.snapshot();
    expect(c.dirty).toBe(false);
    c.markDirty();
    expect(c.dirty).toBe(true);
  });

  it('keeps at most maxRecent produced ids', () => {
    const c = new MastodonCursor(10 ** 9, 3);
    for (let i = 0; i < 5; i++) c.markProduced(`p${i}`, at(t0 + i), t0);
    expect(['p0', 'p1', 'p2', 'p3', 'p4'].map((id) => c.produced(id))).toEqual([false, false, true, true, true]);
  });

  it('rejects a record that is not one', () => {
    expect(MastodonCursor.parse('{nope')).toBeUndefined();
    expect(MastodonCursor.parse('null')).toBeUndefined();
    expect(MastodonCursor.parse('{"lastIds":{"a":5,"b":"7"},"recent":[["x",1],[2,3]]}')).toEqual({ lastIds: { b: '7' }, recent: [['x', 1]] });
    expect(MastodonCursor.parse(undefined)).toBeUndefined();
  });
});

describe('timelineUrl', () => {
  it('asks the public or a hashtag timeline from min_id', () => {
    expect(timelineUrl('https://mastodon.social', { kind: 'public' }, '42', 40)).toBe('https://mastodon.social/api/v1/timelines/public?min_id=42&limit=40');
    expect(timelineUrl('https://m.example/x?y=1', { kind: 'hashtag', tag: 'café down' }, '7', 40)).toBe('https://m.example/api/v1/timelines/tag/caf%C3%A9%20down?min_id=7&limit=40');
  });
});

describe('gap fill requests', () => {
  it('groups hashtags five to a tag-timeline request, the rest as any[]', () => {
    const tags = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const streams = hashtagStreams(tags);
    expect(streams).toEqual([
      { kind: 'hashtag', tag: 'a', any: ['b', 'c', 'd', 'e'] },
      { kind: 'hashtag', tag: 'f', any: ['g'] },
    ]);
    expect(hashtagStreams(['x'])).toEqual([{ kind: 'hashtag', tag: 'x' }]);
    expect(hashtagStreams([])).toEqual([]);
    expect(timelineUrl('https://m.example', streams[1]!, '9', 40)).toBe('https://m.example/api/v1/timelines/tag/f?any%5B%5D=g&min_id=9&limit=40');
    expect(describeStream(streams[1]!)).toBe('#f #g');
    expect(describeStream({ kind: 'public' })).toBe('public');
  });

  it('finds the newest id of a page', () => {
    expect(newestId(['999', '1001', '1000'])).toBe('1001');
    expect(newestId([])).toBeUndefined();
  });

  it('waits for the rate-limit reset only when no request remains or after a 429, within a maximum', () => {
    const now = Date.parse('2026-12-06T08:00:00Z');
    expect(rateLimitWaitMs(200, '12', '2026-12-06T08:05:00Z', now, 300_000)).toBe(0);
    expect(rateLimitWaitMs(200, null, null, now, 300_000)).toBe(0);
    expect(rateLimitWaitMs(200, '0', '2026-12-06T08:00:30Z', now, 300_000)).toBe(30_000);
    expect(rateLimitWaitMs(429, '0', '2026-12-06T08:20:00Z', now, 300_000)).toBe(300_000);
    expect(rateLimitWaitMs(429, null, 'garbage', now, 120_000)).toBe(120_000);
    // A reset already past still leaves a second between requests.
    expect(rateLimitWaitMs(429, '0', '2026-12-06T07:59:00Z', now, 300_000)).toBe(1000);
  });
});
