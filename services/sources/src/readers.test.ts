import { describe, expect, it } from 'vitest';
import { subscribeUrl } from './bluesky/jetstream.connector';
import { streamingUrl, subscriptions } from './mastodon/mastodon.connector';
import { htmlToText, mastodonPostId, readStreamMessage, statusToPost } from './mastodon/mastodon-status';
import { roundVerdict } from './probes/probe-round';
import { dnsOutcome } from './probes/dns-probe';
import { parseFeed, readFeed } from './status/feed';
import { componentStatus, emptyPageState, incidentUpdateStatus, indicatorStatus, readSummary, worstStatus } from './status/statuspage';
import type { ProbeResultEvent } from '../../../schemas/events/index';

describe('Jetstream and Mastodon URLs', () => {
  it('asks Jetstream for posts only, from a cursor when there is one', () => {
    expect(subscribeUrl('wss://jetstream1.us-east.bsky.network/subscribe', 1725911162329308)).toBe('wss://jetstream1.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post&cursor=1725911162329308');
    expect(subscribeUrl('wss://j.example/subscribe?cursor=5', undefined)).toBe('wss://j.example/subscribe?wantedCollections=app.bsky.feed.post');
  });
  it('streams Mastodon over its WebSocket, public first then each hashtag', () => {
    expect(streamingUrl('https://mastodon.social')).toBe('wss://mastodon.social/api/v1/streaming');
    expect(streamingUrl('http://127.0.0.1:4000/x?y')).toBe('ws://127.0.0.1:4000/api/v1/streaming');
    expect(subscriptions(['fbdown'], true)).toEqual(['{"type":"subscribe","stream":"public"}', '{"type":"subscribe","stream":"hashtag","tag":"fbdown"}']);
  });
});

describe('Mastodon statuses', () => {
  const hash = (s: string) => `h:${s.length}`;
  const status = { uri: 'https://a.example/users/x/statuses/1', created_at: '2026-01-05T12:00:00.000Z', content: '<p>facebook down?<br>again &amp; again</p><p>#fbdown</p>', language: 'en', account: { url: 'https://a.example/@x', acct: 'x' }, tags: [{ name: 'fbdown' }], reblog: null };
  it('reads an update event and its Status', () => {
    const m = readStreamMessage(JSON.stringify({ stream: ['hashtag', 'fbdown'], event: 'update', payload: JSON.stringify(status) }));
    expect(m.type).toBe('update');
    const v = statusToPost(m.type === 'update' ? m.status : null, 'https://a.example', hash);
    expect(v).toEqual({ type: 'post', candidate: { id: mastodonPostId(status.uri), at: Date.parse(status.created_at), text: 'facebook down?\nagain & again\n\n#fbdown', source: 'mastodon', authorHash: hash('https://a.example/@x'), lang: 'en' }, tags: ['fbdown'] });
  });
  it('skips boosts and media-only posts, and names what is missing', () => {
    expect(statusToPost({ ...status, reblog: status }, 'https://a.example', hash).type).toBe('skip');
    expect(statusToPost({ ...status, content: '<p></p>' }, 'https://a.example', hash).type).toBe('skip');
    expect(statusToPost({ ...status, uri: undefined }, 'https://a.example', hash)).toMatchObject({ type: 'invalid', reason: expect.stringContaining('uri') });
    expect(statusToPost({ ...status, created_at: 'yesterday' }, 'https://a.example', hash)).toMatchObject({ type: 'invalid', reason: expect.stringContaining('created_at') });
    expect(readStreamMessage('{"event":"delete","payload":"1"}')).toEqual({ type: 'other', event: 'delete' });
    expect(readStreamMessage('{"error":"Missing access token"}')).toEqual({ type: 'error', message: 'Missing access token' });
    expect(readStreamMessage('nope').type).toBe('invalid');
  });
  it('decodes numeric entities', () => {
    expect(htmlToText('caf&#233; &#x1F600; &bogus;')).toBe('café 😀 &bogus;');
  });
});

describe('Statuspage v2', () => {
  it('maps statuses and indicators onto one scale', () => {
    expect(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance', 'x'].map(componentStatus)).toEqual(['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance', 'unknown']);
    expect(['none', 'minor', 'major', 'critical'].map(indicatorStatus)).toEqual(['operational', 'degraded', 'partial_outage', 'major_outage']);
    expect(incidentUpdateStatus('critical', 'identified')).toBe('major_outage');
    expect(incidentUpdateStatus('critical', 'resolved')).toBe('operational');
    expect(incidentUpdateStatus('none', 'investigating')).toBe('degraded');
    expect(worstStatus('degraded', 'major_outage')).toBe('major_outage');
    expect(worstStatus('partial_outage', 'maintenance')).toBe('partial_outage');
  });
  it('takes the worst of the indicator and the components as the service status, and skips groups', () => {
    const doc = {
      page: { updated_at: '2026-01-05T12:00:00Z' },
      status: { indicator: 'minor' },
      components: [
        { id: 'g', name: 'Group', status: 'major_outage', group: true },
        { id: 'a', name: 'API', status: 'partial_outage', updated_at: '2026-01-05T11:59:00Z' },
      ],
      incidents: [],
    };
    const r = readSummary(doc, emptyPageState(), { serviceId: 'github', url: 'https://x.test', now: 1 });
    expect(r.events.map((e) => `${e.kind}:${e.status}`)).toEqual(['component:partial_outage', 'page:partial_outage']);
    expect(r.state.components).toEqual({ a: 'partial_outage' });
    expect(readSummary(doc, r.state, { serviceId: 'github', url: 'https://x.test', now: 2 }).events).toEqual([]);
    expect(readSummary({ hello: 1 }, emptyPageState(), { serviceId: 'github', url: 'u', now: 1 }).problem).toMatch(/not a Statuspage/);
  });
});

describe('feeds', () => {
  it('reads Atom entries with their alternate link and date', () => {
    const atom = `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Cloud status</title>
      <entry><id>tag:status,2026:1</id><title>Elevated errors in us-east1</title><updated>2026-01-05T12:05:00Z</updated><link rel="alternate" href="https://status.example/i/1"/><summary type="html">&lt;b&gt;Investigating&lt;/b&gt;</summary></entry></feed>`;
    expect(parseFeed(atom)).toEqual({ kind: 'atom', items: [{ id: 'tag:status,2026:1', title: 'Elevated errors in us-east1', link: 'https://status.example/i/1', at: Date.parse('2026-01-05T12:05:00Z'), summary: 'Investigating' }] });
    const first = readFeed(atom, emptyPageState(), { serviceId: 'google-cloud', url: 'u', now: 9 });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({ source: 'atom', status: 'unknown', kind: 'incident' });
    expect(readFeed(atom, first.state, { serviceId: 'google-cloud', url: 'u', now: 10 }).events).toEqual([]);
    expect(readFeed('<html></html>', emptyPageState(), { serviceId: 'x', url: 'u', now: 1 }).problem).toMatch(/neither/);
  });
});

describe('probe rounds', () => {
  const r = (serviceId: string, target: string, ok: boolean): ProbeResultEvent => ({ id: `${serviceId}${target}${ok}`, serviceId, kind: 'dns', target, at: 1, ok, outcome: ok ? 'ok' : 'nxdomain', latencyMs: 1, vantage: 'v' });
  it('fails a service only when every one of its domains failed', () => {
    const v = roundVerdict([r('a', 'a1', false), r('a', 'a2', true), r('b', 'b1', false), r('c', 'c1', true), r('d', 'd1', true)], 0.5);
    expect(Object.fromEntries(v.failing)).toEqual({ a: false, b: true, c: false, d: false });
    expect(v.vantageSuspect).toBe(false);
  });
  it('blames this host when most services fail at once', () => {
    const v = roundVerdict([r('a', 'a1', false), r('b', 'b1', false), r('c', 'c1', false), r('d', 'd1', true)], 0.5);
    expect(v.failedShare).toBe(0.75);
    expect(v.vantageSuspect).toBe(true);
  });
  it('names resolver answers', () => {
    expect(['ENOTFOUND', 'ESERVFAIL', 'EREFUSED', 'ETIMEOUT', 'ECONNREFUSED'].map(dnsOutcome)).toEqual(['nxdomain', 'servfail', 'refused', 'dns_timeout', 'dns_error']);
  });
});
