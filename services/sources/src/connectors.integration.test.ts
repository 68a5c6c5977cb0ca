/**
 * Mastodon streaming, the status poller and the probes, each against a local server that speaks
 * its protocol, writing through the real Kafka.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, createLogger, createMetricsRegistry, deleteTopicsWithPrefix, ensureTopics, loadConfig, readToEnd, topicNames } from '@downradar/common';
import { deadLetter } from '@downradar/common/dead-letter';
import { eventually, KAFKA_BROKERS, testKafka, testPrefix } from '@downradar/common/testing';
import type { OfficialStatusEvent, ProbeResultEvent, SignalEvent } from '../../../schemas/events/index';
import { sourcesConfigSpec } from './config';
import { SourceWriter } from './kafka/source-writer';
import { createSourceMetrics } from './metrics';
import { ProbeScheduler } from './probes/probe.scheduler';
import { createSources } from './sources';
import { StatusPoller, statusStateKey } from './status/status.poller';
import { MastodonConnector } from './mastodon/mastodon.connector';
import { TestMastodonServer, testStatus } from './testing/mastodon-server';
import { TestDnsServer, TestHttpsEndpoints } from './testing/probe-servers';
import { TestStatusServer } from './testing/status-servers';

const kafka = testKafka('sources-connectors-test');
const logger = createLogger('sources-test', 'silent');
const prefixes: string[] = [];

async function newPrefix(name: string): Promise<string> {
  const prefix = testPrefix(name);
  prefixes.push(prefix);
  await ensureTopics(kafka, { prefix, partitions: 2 });
  return prefix;
}

async function values<T>(topic: string): Promise<T[]> {
  const out: T[] = [];
  await readToEnd(kafka, topic, { groupPrefix: 'connectors-test' }, (m) => out.push(JSON.parse(m.value?.toString('utf8') ?? 'null') as T));
  return out;
}

/** The signals on a topic, a signal batch (a JSON array of one service's signals) read as its signals. */
async function signalValues(topic: string): Promise<SignalEvent[]> {
  return (await values<SignalEvent | SignalEvent[]>(topic)).flat();
}

function writerFor(prefix: string, connector: string) {
  return new SourceWriter(createKafka({ brokers: KAFKA_BROKERS, clientId: `test-${connector}` }), topicNames(prefix), connector, logger);
}

afterAll(async () => {
  for (const p of prefixes) await deleteTopicsWithPrefix(kafka, p).catch(() => undefined);
});

describe('mastodon connector (local streaming server)', () => {
  const a = new TestMastodonServer();
  const b = new TestMastodonServer();
  beforeAll(async () => {
    await a.start();
    await b.start();
    a.publicNeedsToken = true;
    b.publicNeedsToken = true;
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  it('streams catalog hashtags and the public timeline from several instances; one post per status, a bad message to the DLQ', async () => {
    const prefix = await newPrefix('masto');
    const topics = topicNames(prefix);
    const config = loadConfig(sourcesConfigSpec, {
      DOWNRADAR_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      DOWNRADAR_TOPIC_PREFIX: prefix,
      DOWNRADAR_SOURCES: 'mastodon',
      DOWNRADAR_SOURCES_PORT: '0',
      DOWNRADAR_MASTODON_INSTANCES: `${a.url},${b.url}`,
      DOWNRADAR_MASTODON_ACCESS_TOKEN: 'test-token-123',
      DOWNRADAR_JETSTREAM_COMMIT_MS: '100',
      DOWNRADAR_REPORTER_SALT: 'salt',
    });
    const sources = createSources(config, { logger });
    await sources.start();
    try {
      await eventually(async () => (a.subscribed('hashtag:facebookdown') && b.subscribed('hashtag:facebookdown') && a.subscribed('public') ? true : undefined), 20_000, 'subscriptions');
      expect(a.authorizations).toContain('Bearer test-token-123');
      const fromBoth = testStatus(1, 'facebook is down for me too #facebookdown', ['facebookdown']);
      a.post(fromBoth);
      b.post({ ...fromBoth, id: '999' }); // the same status federated to another instance: another local id, the same uri
      a.post(testStatus(2, 'is <b>whatsapp</b> down? messages stuck &amp; not sending', []));
      a.post(testStatus(3, 'lovely weather for a walk', []));
      a.sendRaw('{"event":"update","payload":"{not json"}');
      const posts = await eventually(async () => {
        const p = await values<{ id: string; text: string; source: string; lang: string }>(topics.posts);
        return p.length >= 2 ? p : undefined;
      }, 20_000, 'two posts');
      await new Promise((r) => setTimeout(r, 500));
      const all = await values<{ id: string; text: string; source: string; lang: string }>(topics.posts);
      expect(all.map((p) => p.text).sort()).toEqual(['facebook is down for me too #facebookdown', 'is whatsapp down? messages stuck & not sending']);
      expect(all.every((p) => p.source === 'mastodon' && p.lang === 'en')).toBe(true);
      expect(posts.length).toBe(2);
      const signals = await signalValues(topics.signals);
      expect(new Set(signals.map((s) => s.serviceId))).toEqual(new Set(['facebook', 'whatsapp']));
      const dlq = await eventually(async () => {
        const d = await values<{ code: string; reason: string }>(topics.dlq);
        return d.length >= 1 ? d : undefined;
      }, 10_000, 'a dead letter');
      expect(dlq[0]).toMatchObject({ code: 'BAD_FRAME', reason: expect.stringContaining('payload is not JSON') });
    } finally {
      await sources.stop();
    }
  });

  it('falls back to hashtag streams where the public stream needs a token it was not given', async () => {
    const prefix = await newPrefix('masto-public');
    const config = loadConfig(sourcesConfigSpec, {
      DOWNRADAR_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      DOWNRADAR_TOPIC_PREFIX: prefix,
      DOWNRADAR_SOURCES: 'mastodon',
      DOWNRADAR_SOURCES_PORT: '0',
      DOWNRADAR_MASTODON_INSTANCES: a.url,
      DOWNRADAR_REPORTER_SALT: 'salt',
    });
    const sources = createSources(config, { logger });
    await sources.start();
    try {
      const status = () => sources.connectors.mastodon!.status() as { instances: { publicStream: boolean }[] };
      await eventually(async () => (status().instances[0]!.publicStream === false ? true : undefined), 10_000, 'the public stream refused');
      expect([...a.clients].some((c) => c.streams.has('hashtag:whatsappdown'))).toBe(true);
    } finally {
      await sources.stop();
    }
  });
});

describe('mastodon gap fill (local streaming server and timelines API)', () => {
  const server = new TestMastodonServer();
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());

  it('fills the gap of a dropped connection and of a restart from the timelines API: no post lost, none twice', async () => {
    const prefix = await newPrefix('masto-gap');
    const topics = topicNames(prefix);
    const config = loadConfig(sourcesConfigSpec, {
      DOWNRADAR_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      DOWNRADAR_TOPIC_PREFIX: prefix,
      DOWNRADAR_SOURCES: 'mastodon',
      DOWNRADAR_SOURCES_PORT: '0',
      DOWNRADAR_MASTODON_INSTANCES: server.url,
      DOWNRADAR_MASTODON_FILL_INTERVAL_MS: '0',
      DOWNRADAR_JETSTREAM_COMMIT_MS: '100',
      DOWNRADAR_RECONNECT_INITIAL_MS: '200',
      DOWNRADAR_RECONNECT_MAX_MS: '400',
      DOWNRADAR_REPORTER_SALT: 'salt',
    });
    const postIds = async () => (await values<{ id: string }>(topics.posts)).map((p) => p.id);
    const waitForPosts = (n: number) => eventually(async () => ((await postIds()).length >= n ? true : undefined), 20_000, `${n} posts`);
    const statuses = [
      testStatus(11, 'facebook is down for me too #facebookdown', ['facebookdown']),
      testStatus(12, 'is whatsapp down? messages stuck and not sending', []),
      testStatus(13, 'instagram down again, the feed will not load #instagramdown', ['instagramdown']),
      testStatus(14, 'is whatsapp down? nothing sends, nothing arrives', []),
    ];
    let sources = createSources(config, { logger });
    await sources.start();
    try {
      await eventually(async () => (server.subscribed('public') ? true : undefined), 20_000, 'the public stream');
      server.post(statuses[0]!);
      server.post(statuses[1]!);
      await waitForPosts(2);
      // The connection drops; a status is published while the instance refuses to stream.
      server.paused = true;
      server.dropClients();
      server.post(statuses[2]!);
      await eventually(async () => (server.clients.size === 0 ? true : undefined), 10_000, 'the connection dropped');
      await new Promise((r) => setTimeout(r, 300));
      server.paused = false;
      await waitForPosts(3);
      expect(server.timelineRequests.some((u) => u.startsWith('/api/v1/timelines/public?min_id='))).toBe(true);
      await sources.stop();
      // The process is down while another status is published; the next one reads the gap.
      server.post(statuses[3]!);
      const requestsBefore = server.timelineRequests.length;
      sources = createSources(config, { logger });
      await sources.start();
      await waitForPosts(4);
      // The restart's fill re-read the rewind (the statuses before the last one seen) ...
      expect((sources.connectors.mastodon as MastodonConnector).stats.filledStatuses).toBeGreaterThanOrEqual(4);
      expect(server.timelineRequests.length).toBeGreaterThan(requestsBefore);
      // ... without producing them again (ids kept with the cursor), and the stream goes on.
      server.post(testStatus(15, 'instagram down here as well #instagramdown', ['instagramdown']));
      await waitForPosts(5);
      await sources.stop();
      const ids = await postIds();
      expect(ids.length).toBe(5);
      expect(new Set(ids).size).toBe(5);
    } finally {
      await sources.stop();
    }
  });
});

describe('status poller (local Statuspage v2 and feeds)', () => {
  const server = new TestStatusServer();
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());

  it('reports component changes and incident updates once, answers 304s politely, and keeps its state across a restart', async () => {
    const prefix = await newPrefix('status');
    const topics = topicNames(prefix);
    const metrics = createSourceMetrics(createMetricsRegistry('t', false));
    server.components = [
      { id: 'c-git', name: 'Git Operations', status: 'operational', updated_at: '2026-01-05T12:00:00Z' },
      { id: 'c-api', name: 'API Requests', status: 'operational', updated_at: '2026-01-05T12:00:00Z' },
    ];
    server.rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Status</title>
      <item><title>Increased error rates</title><link>${server.url}/i/1</link><guid>inc-1</guid><pubDate>Mon, 05 Jan 2026 12:10:00 GMT</pubDate><description>&lt;p&gt;We are investigating.&lt;/p&gt;</description></item>
      </channel></rss>`;
    const sources = [
      { serviceId: 'github', kind: 'statuspage' as const, url: server.url },
      { serviceId: 'slack', kind: 'rss' as const, url: `${server.url}/feed.rss` },
    ];
    const make = () => new StatusPoller({ sources, intervalMs: 3_600_000, hostGapMs: 150, timeoutMs: 2000 }, { writer: writerFor(prefix, 'statuspage'), logger, metrics, random: () => 1 });
    let poller = make();
    await poller.start();
    await poller.pollOnce(sources[0]!);
    await poller.pollOnce(sources[1]!);
    // An outage: a component goes down and an incident opens, then gets an update.
    server.indicator = 'critical';
    server.components[0] = { ...server.components[0]!, status: 'major_outage', updated_at: '2026-01-05T12:20:00Z' };
    server.incidents = [
      {
        id: 'inc-a', name: 'Git operations unavailable', status: 'investigating', impact: 'critical', shortlink: 'https://stspg.io/a',
        created_at: '2026-01-05T12:21:00Z', updated_at: '2026-01-05T12:21:00Z', resolved_at: null,
        incident_updates: [{ id: 'u1', status: 'investigating', body: 'We are investigating.', created_at: '2026-01-05T12:21:00Z' }],
      },
    ];
    await poller.pollOnce(sources[0]!);
    await poller.pollOnce(sources[0]!); // unchanged: 304s, nothing new
    await poller.stop();
    // Politeness: the poller's requests to this host started at least hostGapMs apart.
    const starts = poller.fetcher.recentStarts.map((r) => r.at);
    expect(starts.length).toBe(7);
    expect(Math.min(...starts.slice(1).map((t, i) => t - starts[i]!))).toBeGreaterThanOrEqual(150);
    // A restart reads its state back: the resolved update is the only new thing.
    server.incidents[0]!.status = 'resolved';
    server.incidents[0]!.incident_updates.push({ id: 'u2', status: 'resolved', body: 'Fixed.', created_at: '2026-01-05T13:00:00Z' });
    server.components[0] = { ...server.components[0]!, status: 'operational', updated_at: '2026-01-05T13:00:00Z' };
    server.indicator = 'none';
    poller = make();
    await poller.start();
    await poller.pollOnce(sources[0]!);
    await poller.pollOnce(sources[1]!); // the feed did not change: 304
    await poller.stop();

    const events = await values<OfficialStatusEvent>(topics.status);
    // One service's events are in order (they share a key); what comes of one poll is the
    // summary's changes, then the incidents list's.
    const summary = events.filter((e) => e.serviceId === 'github').map((e) => `${e.serviceId} ${e.kind} ${e.status} ${e.providerStatus}`);
    expect(events.filter((e) => e.serviceId === 'slack').map((e) => `${e.kind} ${e.status}`)).toEqual(['incident unknown']);
    expect(summary).toEqual([
      'github page operational none',
      'github component major_outage major_outage',
      'github incident major_outage investigating',
      'github page major_outage critical',
      'github component operational operational',
      'github page operational none',
      'github incident operational resolved',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const ack = events.find((e) => e.kind === 'incident' && e.serviceId === 'github')!;
    expect(ack).toMatchObject({ at: Date.parse('2026-01-05T12:21:00Z'), incidentId: 'inc-a', title: 'Git operations unavailable', url: 'https://stspg.io/a' });
    const feed = events.find((e) => e.serviceId === 'slack')!;
    expect(feed).toMatchObject({ source: 'rss', at: Date.parse('2026-01-05T12:10:00Z'), body: 'We are investigating.' });
    // Evidence for the detector: the overall status at each poll of the Statuspage page.
    const official = (await signalValues(topics.signals)).filter((s) => s.kind === 'official');
    expect(official.map((s) => s.officialStatus)).toEqual(['operational', 'major_outage', 'major_outage', 'operational']);
    expect(official.map((s) => s.outage)).toEqual([false, true, true, false]);
    // Conditional requests: the unchanged poll and the unchanged feed were 304s.
    expect(server.log.filter((l) => l.status === 304).map((l) => l.path).sort()).toEqual(['/api/v2/incidents.json', '/api/v2/summary.json', '/feed.rss']);
    const state = new Map<string, string>();
    await readToEnd(kafka, topics.sourceState, { groupPrefix: 't' }, (m) => state.set(m.key!.toString(), m.value!.toString()));
    expect(JSON.parse(state.get(statusStateKey('github'))!)).toMatchObject({ pageStatus: 'operational', components: { 'c-git': 'operational' } });
  });
});

describe('source writer (real Kafka)', () => {
  it('commits that overlap (pages polled on their own timers) each get their own transaction, in the order asked', async () => {
    const prefix = await newPrefix('writer');
    const topics = topicNames(prefix);
    const writer = writerFor(prefix, 'statuspage');
    await writer.open();
    try {
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => writer.commit([writer.dlqMessage(deadLetter({ id: `d${i}`, at: i, origin: 'writer test', code: 'TEST', reason: `commit ${i}`, payload: '' }))], { 'statuspage:x': String(i) })));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
      // A commit resolves once the transaction coordinator has logged it; the markers that make it
      // visible to a read_committed reader reach the partitions just after (Kafka writes them
      // asynchronously), so the last transaction can be missing for a moment (one CI run read
      // d0-d4). Read until all six are there: none may be missing or doubled.
      const ids = async () => (await values<{ id: string }>(topics.dlq)).map((d) => d.id).sort();
      await eventually(async () => ((await ids()).length >= 6 ? true : undefined), 10_000, 'the six commits visible');
      expect(await ids()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
      expect((await writer.open()).get('statuspage:x')).toBe('5');
    } finally {
      await writer.close();
    }
  });
});

describe('status poller outage drill (local Statuspage and feed down, real Kafka)', () => {
  const server = new TestStatusServer();
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());
  // The same knob as the streaming sources' outage drills: 5 s in the suite,
  // DOWNRADAR_SOURCE_OUTAGE_MS=120000 for two minutes.
  const outageMs = Number(process.env.DOWNRADAR_SOURCE_OUTAGE_MS ?? 5000);

  it('keeps polling through the outage, keeps its ETag / Last-Modified, and reports what changed meanwhile once', { timeout: outageMs + 60_000 }, async () => {
    const prefix = await newPrefix('status-outage');
    const topics = topicNames(prefix);
    const metrics = createSourceMetrics(createMetricsRegistry('t', false));
    server.components = [{ id: 'c-git', name: 'Git Operations', status: 'operational', updated_at: '2026-01-05T12:00:00Z' }];
    server.incidents = [];
    server.indicator = 'none';
    server.rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Status</title>
      <item><title>Scheduled maintenance</title><link>${server.url}/i/1</link><guid>m-1</guid><pubDate>Mon, 05 Jan 2026 11:00:00 GMT</pubDate><description>Done.</description></item>
      </channel></rss>`;
    const sources = [
      { serviceId: 'github', kind: 'statuspage' as const, url: server.url },
      { serviceId: 'slack', kind: 'rss' as const, url: `${server.url}/feed.rss` },
    ];
    const poller = new StatusPoller({ sources, intervalMs: 300, hostGapMs: 20, timeoutMs: 1000 }, { writer: writerFor(prefix, 'statuspage'), logger, metrics, random: () => 0 });
    const polled = (serviceId: string) => poller.status().pages[serviceId] as { at: number; ok: boolean; status: string | null } | undefined;
    const statusEvents = () => values<OfficialStatusEvent>(topics.status);
    await poller.start();
    try {
      await eventually(async () => (polled('github')?.ok && polled('slack')?.ok && (await statusEvents()).length >= 2 ? true : undefined), 20_000, 'both pages polled');
      const before = await statusEvents();

      // The host goes away; meanwhile the provider's page changes (an outage, an incident).
      const port = server.port;
      const failuresBefore = poller.stats.failures;
      await server.stop();
      server.indicator = 'critical';
      server.components = [{ id: 'c-git', name: 'Git Operations', status: 'major_outage', updated_at: '2026-01-05T12:20:00Z' }];
      server.incidents = [
        {
          id: 'inc-o', name: 'Git operations unavailable', status: 'investigating', impact: 'critical', shortlink: 'https://stspg.io/o',
          created_at: '2026-01-05T12:21:00Z', updated_at: '2026-01-05T12:21:00Z', resolved_at: null,
          incident_updates: [{ id: 'uo1', status: 'investigating', body: 'We are investigating.', created_at: '2026-01-05T12:21:00Z' }],
        },
      ];
      // The poller notices (a failed poll of each page), then the outage runs its length.
      await eventually(async () => (polled('github')?.ok === false && polled('slack')?.ok === false ? true : undefined), 10_000, 'failed polls');
      // Counted only now: each page polls in turn and a poll is recorded once committed, so after a
      // failed poll of each no poll that reached the page is still on its way. (Counted before the
      // host went away, a poll answered just before it and committed after it was one more
      // evidence signal, written for a page that had answered: fc42, a loaded machine.)
      const signalsBefore = (await signalValues(topics.signals)).length;
      await new Promise((r) => setTimeout(r, outageMs));
      const failedDuring = poller.stats.failures - failuresBefore;
      const logAtReturn = server.log.length;
      // Nothing was reported while nothing was read: no status change, no evidence signal.
      expect((await statusEvents()).length).toBe(before.length);
      expect((await signalValues(topics.signals)).length).toBe(signalsBefore);
      await server.start(port);

      // Back: polled again until each page has answered twice (the change, then a 304).
      const answered = (path: string, status: number) => server.log.slice(logAtReturn).filter((l) => l.path === path && l.status === status).length;
      await eventually(async () => (answered('/api/v2/summary.json', 304) >= 1 && answered('/api/v2/incidents.json', 304) >= 1 && answered('/feed.rss', 304) >= 2 ? true : undefined), 20_000, 'polls after the outage');
      await poller.stop();
      const after = server.log.slice(logAtReturn);
      // The validators survived the failed polls: the first request of each after the outage was
      // conditional, and the unchanged feed cost a 304, never a 200.
      for (const path of ['/api/v2/summary.json', '/api/v2/incidents.json', '/feed.rss']) expect(after.find((l) => l.path === path)?.conditional).toBe(true);
      expect(after.filter((l) => l.path === '/feed.rss').map((l) => l.status)).not.toContain(200);
      // What changed during the outage, reported once; nothing from before reported again.
      const events = await statusEvents();
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      const beforeIds = new Set(before.map((e) => e.id));
      expect(events.filter((e) => beforeIds.has(e.id))).toHaveLength(before.length);
      expect(events.filter((e) => !beforeIds.has(e.id)).map((e) => `${e.serviceId} ${e.kind} ${e.status}`).sort()).toEqual(['github component major_outage', 'github incident major_outage', 'github page major_outage']);
      const official = (await signalValues(topics.signals)).slice(signalsBefore);
      expect(official.length).toBeGreaterThanOrEqual(2);
      expect(official.every((s) => s.kind === 'official' && s.officialStatus === 'major_outage')).toBe(true);
      expect(failedDuring).toBeGreaterThanOrEqual(2);
      console.log(`status poller outage drill: down ${(outageMs / 1000).toFixed(0)} s, ${failedDuring} failed requests, then ${after.length} requests (${after.filter((l) => l.status === 304).length} answered 304), ${events.length - before.length} changes reported once`);
    } finally {
      await poller.stop();
    }
  });
});

describe('probes (local DNS server, local HTTPS endpoints)', () => {
  const dns = new TestDnsServer();
  const https = new TestHttpsEndpoints();
  const domains = { github: 'ok.test', reddit: 'down.test', discord: 'reset.test', zoom: 'hang.test', slack: 'refused.test', facebook: 'facebook.test', twitch: 'servfail.test', steam: 'slow.test' };
  beforeAll(async () => {
    await dns.start();
    await https.start(Object.values(domains));
    const A = TestHttpsEndpoints.ADDRESSES;
    dns.names.set('ok.test', { address: A.ok });
    dns.names.set('down.test', { address: A['503'] });
    dns.names.set('reset.test', { address: A.reset });
    dns.names.set('hang.test', { address: A.hang });
    dns.names.set('refused.test', { address: A.refused });
    dns.names.set('servfail.test', 'servfail');
    dns.names.set('slow.test', 'silent');
    // facebook.test is not in the table: NXDOMAIN, as facebook.com was on 4 October 2021.
  });
  afterAll(async () => {
    await dns.stop();
    await https.stop();
  });

  it('tells each failure by its phase, and sends evidence per service unless most of them fail at once', async () => {
    const prefix = await newPrefix('probes');
    const topics = topicNames(prefix);
    const metrics = createSourceMetrics(createMetricsRegistry('t', false));
    const targets = Object.entries(domains).map(([serviceId, d]) => ({ serviceId, domains: [d] }));
    const scheduler = (share: number, t = targets) =>
      new ProbeScheduler(
        { targets: t, intervalMs: 3_600_000, jitter: 0, concurrency: 4, timeoutMs: 600, resolvers: [dns.address], httpsPort: https.port, vantage: 'test-host', vantageFailShare: share, ca: https.ca },
        { writer: writerFor(prefix, 'probes'), logger, metrics },
      );
    // start() runs the first round at once (jitter 0); the next one is an hour away.
    const s = scheduler(1.01);
    await s.start();
    await eventually(async () => (s.stats.rounds >= 1 ? true : undefined), 20_000, 'a round of probes');
    await s.stop();
    expect(s.stats.suspectRounds).toBe(0);
    const results = await values<ProbeResultEvent>(topics.probes);
    const by = (svc: string, kind: string) => results.find((r) => r.serviceId === svc && r.kind === kind);
    expect(by('github', 'dns')).toMatchObject({ ok: true, outcome: 'ok', address: '127.0.0.1' });
    expect(by('github', 'https')).toMatchObject({ ok: true, outcome: 'ok', httpStatus: 200 });
    expect(by('github', 'https')!.tlsMs).toBeGreaterThan(0);
    expect(by('reddit', 'https')).toMatchObject({ ok: false, outcome: 'http_5xx', httpStatus: 503 });
    expect(by('discord', 'https')).toMatchObject({ ok: false, outcome: 'tcp_reset' });
    expect(by('zoom', 'https')).toMatchObject({ ok: false, outcome: 'tls_error', error: expect.stringContaining('TLS handshake') });
    expect(by('slack', 'https')).toMatchObject({ ok: false, outcome: 'tcp_refused' });
    expect(by('facebook', 'dns')).toMatchObject({ ok: false, outcome: 'nxdomain' });
    expect(by('facebook', 'https')).toBeUndefined();
    expect(by('twitch', 'dns')).toMatchObject({ ok: false, outcome: 'servfail' });
    expect(by('steam', 'dns')).toMatchObject({ ok: false, outcome: 'dns_timeout' });
    expect(by('steam', 'dns')!.latencyMs).toBeLessThan(3000);

    expect(results.length).toBe(13); // 8 DNS probes, 5 HTTPS probes (3 names did not resolve)
    const signals = (await signalValues(topics.signals)).filter((x) => x.kind === 'probe');
    expect(Object.fromEntries(signals.map((x) => [x.serviceId, x.outage]))).toEqual({ github: false, reddit: true, discord: true, zoom: true, slack: true, facebook: true, twitch: true, steam: true });

    // Seven of eight failing in one round looks like this host's trouble: no evidence at all.
    const suspicious = scheduler(0.5);
    await suspicious.start();
    await eventually(async () => (suspicious.stats.rounds >= 1 ? true : undefined), 20_000, 'a second round');
    await suspicious.stop();
    expect(suspicious.stats.suspectRounds).toBe(1);
    expect((await values<ProbeResultEvent>(topics.probes)).length).toBe(26);
    const after = (await signalValues(topics.signals)).filter((x) => x.kind === 'probe');
    expect(after.length).toBe(signals.length);
  });
});
