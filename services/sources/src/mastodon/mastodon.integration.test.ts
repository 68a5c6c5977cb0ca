/**
 * The Mastodon connector against a local Mastodon (streaming WebSocket + timelines REST API) and
 * the real Kafka: a gap longer than the fill's request limit (the part read, the part reported
 * missing, the rest read by the next fill within the instance's rate limit), the process-kill
 * drill (SIGKILL mid-stream, restart: no post lost, none twice), and the outage drill (the whole
 * instance, stream and timelines, gone while statuses keep being published: reconnects with
 * backoff and jitter, the gap read back with min_id paging from the cursor, every post once).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, deleteTopicsWithPrefix, ensureTopics, loadConfig, readToEnd, repoRoot, topicNames } from '@downradar/common';
import { reporterHasher } from '@downradar/common/report-event';
import { eventually, KAFKA_BROKERS, testKafka, testPrefix } from '@downradar/common/testing';
import { createUnderstanding } from '@downradar/nlp';
import { sourcesConfigSpec } from '../config';
import { createPostPipeline } from '../posts/post-pipeline';
import { createSources } from '../sources';
import { expectBackoffWithJitter, reconnectLines } from '../testing/backoff-lines';
import { TestMastodonServer, testStatus } from '../testing/mastodon-server';
import { MASTODON_CURSOR_KEY, type GapReport, type MastodonConnector } from './mastodon.connector';
import { compareIds, MastodonCursor } from './mastodon-cursor';
import { statusToPost } from './mastodon-status';

const kafka = testKafka('sources-mastodon-test');
const SALT = 'test-salt-for-mastodon';
const pipeline = createPostPipeline(createUnderstanding());
const hashAuthor = reporterHasher(SALT);
const logger = createLogger('mastodon-test', 'silent');
const prefixes: string[] = [];

async function newPrefix(name: string): Promise<string> {
  const prefix = testPrefix(name);
  prefixes.push(prefix);
  await ensureTopics(kafka, { prefix, partitions: 2 });
  return prefix;
}

async function postIds(topic: string): Promise<string[]> {
  const out: string[] = [];
  await readToEnd(kafka, topic, { groupPrefix: 'mastodon-test' }, (m) => out.push((JSON.parse(m.value?.toString('utf8') ?? '{}') as { id: string }).id));
  return out;
}

/** The post id the connector must produce for a status, by the same rules; undefined when it is not about a catalog service. */
function expectedPostId(status: ReturnType<typeof testStatus>, instance: string): string | undefined {
  const v = statusToPost(status, instance, hashAuthor);
  if (v.type !== 'post') return undefined;
  const r = pipeline.process(v.candidate, Date.now(), v.tags);
  return r.kind === 'post' ? r.post.id : undefined;
}

const RELEVANT = ['facebook is down for me #facebookdown', 'is whatsapp down? messages not sending', 'instagram down again, the feed will not load #instagramdown'];
const statusNo = (n: number, relevant: boolean) =>
  testStatus(n, relevant ? `${RELEVANT[n % RELEVANT.length]!} (${n})` : `lovely morning for a walk by the river (${n})`, relevant && n % 3 !== 1 ? [n % 3 === 0 ? 'facebookdown' : 'instagramdown'] : []);

function env(prefix: string, server: TestMastodonServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DOWNRADAR_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_KAFKA_PARTITIONS: '2',
    DOWNRADAR_SOURCES: 'mastodon',
    DOWNRADAR_SOURCES_PORT: '0',
    DOWNRADAR_MASTODON_INSTANCES: server.url,
    DOWNRADAR_MASTODON_FILL_INTERVAL_MS: '0',
    DOWNRADAR_JETSTREAM_COMMIT_MS: '200',
    DOWNRADAR_RECONNECT_INITIAL_MS: '200',
    DOWNRADAR_RECONNECT_MAX_MS: '1000',
    DOWNRADAR_REPORTER_SALT: SALT,
    DOWNRADAR_LOG_LEVEL: 'warn',
    ...extra,
  };
}

afterAll(async () => {
  for (const p of prefixes) await deleteTopicsWithPrefix(kafka, p).catch(() => undefined);
});

describe('mastodon gap longer than the fill limit (local Mastodon, real Kafka)', () => {
  const server = new TestMastodonServer();
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());

  it('reads the oldest part within the limit, says exactly what it left unread, and the next fill reads the rest within the rate limit', async () => {
    const prefix = await newPrefix('masto-longgap');
    const topics = topicNames(prefix);
    const lastGap = (s: { connectors: { mastodon?: unknown } }) => (s.connectors.mastodon as MastodonConnector).status().instances[0]!.lastGapFill as GapReport | null;
    let sources = createSources(loadConfig(sourcesConfigSpec, env(prefix, server, { DOWNRADAR_MASTODON_FILL_MAX_REQUESTS: '2' })), { logger });
    await sources.start();
    try {
      await eventually(async () => (server.subscribed('public') ? true : undefined), 20_000, 'the public stream');
      const first = statusNo(3000, true);
      server.post(first);
      await eventually(async () => ((await postIds(topics.posts)).length === 1 ? true : undefined), 20_000, 'the first post');
      // A long disconnection: 130 statuses about outages while the instance refuses to stream.
      server.paused = true;
      server.dropClients();
      await eventually(async () => (server.clients.size === 0 ? true : undefined), 10_000, 'the connection dropped');
      const gap = Array.from({ length: 130 }, (_, i) => statusNo(3001 + i, true));
      for (const st of gap) server.post(st);
      expect(gap.every((st) => expectedPostId(st, server.url) !== undefined)).toBe(true);
      server.paused = false;
      const report = await eventually(async () => lastGap(sources) ?? undefined, 30_000, 'the gap fill');
      // Two pages of 40, oldest first; the first page starts a rewind before the last status seen,
      // so it holds that status again (recognised, not produced twice) and 39 of the gap.
      expect(report).toMatchObject({ complete: false, requests: 2, statuses: 80 });
      expect(report.unfilled).toHaveLength(1);
      const missing = report.unfilled[0]!;
      expect(missing.stream).toBe('public');
      expect(missing.reason).toMatch(/request limit of 2/);
      expect(missing.fromId).toBe(gap[78]!.id); // the newest status read
      expect(missing.seconds).not.toBeNull();
      const metrics = await sources.registry.metrics();
      expect(metrics).toMatch(/sources_gap_fills_total\{[^}]*outcome="partial"[^}]*\} 1/);
      expect(metrics).toMatch(/sources_gap_unfilled_seconds_total\{connector="mastodon"[^}]*\} \d/);
      const readyz = (await (await fetch(`http://127.0.0.1:${sources.port}/readyz`)).json()) as { sources: { mastodon: { instances: { lastGapFill: GapReport }[] } } };
      expect(readyz.sources.mastodon.instances[0]!.lastGapFill.unfilled[0]!.reason).toMatch(/request limit/);
      await eventually(async () => ((await postIds(topics.posts)).length >= 80 ? true : undefined), 20_000, '80 posts');
      const afterFirstFill = await postIds(topics.posts);
      expect(new Set(afterFirstFill)).toEqual(new Set([first, ...gap.slice(0, 79)].map((st) => expectedPostId(st, server.url))));
      await sources.stop();

      // Restarted with a larger limit, against an instance that allows 2 requests per 1.5 s: the
      // fill waits for each reset (X-RateLimit-Remaining 0) instead of running into 429s.
      server.rateLimit = { limit: 2, windowMs: 1500 };
      const requestsBefore = server.timelineRequests.length;
      sources = createSources(loadConfig(sourcesConfigSpec, env(prefix, server, { DOWNRADAR_MASTODON_FILL_MAX_REQUESTS: '100' })), { logger });
      await sources.start();
      const second = await eventually(async () => lastGap(sources) ?? undefined, 60_000, 'the second gap fill');
      expect(second.complete).toBe(true);
      expect(second.unfilled).toEqual([]);
      expect(server.timelineRequests.length - requestsBefore).toBeGreaterThan(2);
      expect(server.rateLimited).toBe(0);
      await eventually(async () => ((await postIds(topics.posts)).length >= 131 ? true : undefined), 20_000, 'every post');
      await sources.stop();
      const ids = await postIds(topics.posts);
      expect(ids.length).toBe(131);
      expect(new Set(ids)).toEqual(new Set([first, ...gap].map((st) => expectedPostId(st, server.url))));
    } finally {
      server.rateLimit = undefined;
      await sources.stop();
    }
  });
});

describe('mastodon process-kill drill (local Mastodon, real Kafka)', () => {
  const server = new TestMastodonServer();
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());

  it('a process killed mid-stream and restarted loses no post and writes none twice', async () => {
    const prefix = await newPrefix('masto-kill');
    const topics = topicNames(prefix);
    const start = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', `${repoRoot}/services/sources/src/main.ts`], {
        cwd: repoRoot,
        env: { ...process.env, ...env(prefix, server, { DOWNRADAR_MASTODON_FILL_MAX_REQUESTS: '1000' }) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    let child = start();
    await eventually(async () => (server.subscribed('public') ? true : undefined), 60_000, 'the connector to subscribe');
    // 1500 statuses at 100 a second, a third of them about an outage, published whether or not
    // the connector is connected (the instance's timelines keep them all).
    const statuses = Array.from({ length: 1500 }, (_, i) => statusNo(10_000 + i, i % 3 === 0));
    const expected = new Set(statuses.flatMap((st) => expectedPostId(st, server.url) ?? []));
    expect(expected.size).toBe(500);
    let i = 0;
    const published = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let k = 0; k < 2 && i < statuses.length; k++) server.post(statuses[i++]!);
        if (i >= statuses.length) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    // Killed once part of the stream is committed but not all of it.
    await eventually(async () => ((await postIds(topics.posts)).length > expected.size / 4 ? true : undefined), 60_000, 'a quarter of the posts');
    const timelineBefore = server.timelineRequests.length;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await postIds(topics.posts)).length).toBeLessThan(expected.size);
    child = start();
    try {
      await published;
      await eventually(async () => ((await postIds(topics.posts)).length >= expected.size ? true : undefined), 90_000, `${expected.size} posts`);
      await new Promise((r) => setTimeout(r, 1500)); // anything still arriving would be a duplicate
      const ids = await postIds(topics.posts);
      expect(new Set(ids).size).toBe(ids.length); // none twice
      expect(new Set(ids)).toEqual(expected); // none lost, nothing else
      // What was published while the process was down came back through the timelines API.
      expect(server.timelineRequests.slice(timelineBefore).some((u) => u.startsWith('/api/v1/timelines/public?min_id='))).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

describe('mastodon outage drill (local Mastodon down, real Kafka)', () => {
  const server = new TestMastodonServer();
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());

  // The same knob as the Bluesky outage drill: 5 s in the suite, DOWNRADAR_SOURCE_OUTAGE_MS=120000
  // for the two-minute drill (the README says how to run it and what it measured).
  const outageMs = Number(process.env.DOWNRADAR_SOURCE_OUTAGE_MS ?? 5000);
  const backoff = { initialMs: 200, maxMs: 2000 };
  const rewindMs = 2000;

  /** Publishes the statuses one every `intervalMs` on average (by the schedule, not by ticks), whether or not anybody is connected. */
  function publish(statuses: ReturnType<typeof testStatus>[], intervalMs: number): Promise<void> {
    const start = Date.now();
    let i = 0;
    return new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(statuses.length, Math.floor((Date.now() - start) / intervalMs) + 1);
        while (i < due) server.post(statuses[i++]!);
        if (i >= statuses.length) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
  }

  it('the instance down (stream and timelines) while statuses keep coming: reconnects with growing, jittered delays, fills the gap from its cursor with min_id paging, every post once', { timeout: outageMs + 120_000 }, async () => {
    const prefix = await newPrefix('masto-outage');
    const topics = topicNames(prefix);
    const lines: string[] = [];
    const drillLogger = createLogger('mastodon-drill', 'debug', { write: (line: string) => void lines.push(line) });
    const config = loadConfig(
      sourcesConfigSpec,
      env(prefix, server, {
        DOWNRADAR_RECONNECT_INITIAL_MS: String(backoff.initialMs),
        DOWNRADAR_RECONNECT_MAX_MS: String(backoff.maxMs),
        DOWNRADAR_MASTODON_REWIND_MS: String(rewindMs),
        DOWNRADAR_MASTODON_FILL_MAX_REQUESTS: process.env.DOWNRADAR_MASTODON_FILL_MAX_REQUESTS ?? '60',
      }),
    );
    const sources = createSources(config, { logger: drillLogger });
    const connector = () => sources.connectors.mastodon as MastodonConnector;
    // 600 statuses, a third of them about an outage: 150 before, 300 during the outage, 150 after.
    const statuses = Array.from({ length: 600 }, (_, i) => statusNo(20_000 + i, i % 3 === 0));
    const [before, during, after] = [statuses.slice(0, 150), statuses.slice(150, 450), statuses.slice(450)];
    const expected = new Set(statuses.flatMap((st) => expectedPostId(st, server.url) ?? []));
    expect(expected.size).toBe(200);
    const duringIds = new Set(during.flatMap((st) => expectedPostId(st, server.url) ?? []));
    await sources.start();
    try {
      await eventually(async () => (server.subscribed('public') ? true : undefined), 20_000, 'the public stream');
      await publish(before, 10);
      await eventually(async () => ((await postIds(topics.posts)).length >= 50 ? true : undefined), 30_000, 'the 50 posts published before the outage');

      // The instance goes away, streaming and REST alike (connections refused), and keeps
      // publishing: its timelines hold what it published meanwhile.
      const port = server.port;
      const linesAtOutage = lines.length;
      const outageStart = Date.now();
      await server.stop();
      await publish(during, outageMs / during.length);
      // The committed cursor once nothing new can arrive (a commit every 200 ms): the fill must start from it.
      const committed = await eventually(async () => {
        const state = new Map<string, string>();
        await readToEnd(kafka, topics.sourceState, { groupPrefix: 'mastodon-test' }, (m) => state.set(m.key?.toString() ?? '', m.value?.toString() ?? ''));
        const cursor = MastodonCursor.parse(state.get(MASTODON_CURSOR_KEY));
        return cursor?.lastIds[server.url] !== undefined && compareIds(cursor.lastIds[server.url]!, before[before.length - 1]!.id) >= 0 ? cursor : undefined;
      }, 20_000, 'the cursor committed after the last status streamed');
      const gapFrom = new MastodonCursor(rewindMs, undefined, committed).gapFrom(server.url)!;
      await new Promise((r) => setTimeout(r, Math.max(0, outageMs - (Date.now() - outageStart))));
      const requestsBefore = server.timelineRequests.length;
      await server.start(port);
      const downForMs = Date.now() - outageStart;
      const linesAtReturn = lines.length;
      const afterDone = publish(after, 10);
      await eventually(async () => (server.subscribed('public') ? true : undefined), 30_000, 'a reconnection after the outage');
      await afterDone;
      // A timeout here is not the verdict: the counts below say what is missing or doubled.
      await eventually(async () => ((await postIds(topics.posts)).length >= expected.size ? true : undefined), 60_000, `${expected.size} posts`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1500)); // anything still arriving would be a duplicate
      const ids = await postIds(topics.posts);
      const counts = { posts: ids.length, distinct: new Set(ids).size, publishedDuringOutage: ids.filter((id) => duringIds.has(id)).length };
      expect(counts).toEqual({ posts: 200, distinct: 200, publishedDuringOutage: 100 }); // none lost, none twice
      expect(new Set(ids)).toEqual(expected); // and nothing else

      // Backoff and jitter, from the connector's own log: one line per reconnect while the
      // instance was down, with the attempt and the delay drawn for it (testing/backoff-lines.ts).
      const attempts = reconnectLines(lines.slice(linesAtOutage, linesAtReturn), 'mastodon: no stream; reconnecting', (l) => l.instance === server.url);
      expectBackoffWithJitter(attempts, backoff, downForMs);

      // The gap, from the committed cursor, with min_id paging: each page starts at the newest
      // status of the one before, oldest first, until it reaches what the stream delivers.
      const fill = server.timelineRequests.slice(requestsBefore).map((u) => new URL(u, server.url).searchParams.get('min_id')!);
      expect(fill[0]).toBe(gapFrom);
      const sorted = [...server.timeline].sort((x, y) => compareIds(x.id, y.id));
      for (let i = 1; i < fill.length; i++) {
        const page = sorted.filter((st) => compareIds(st.id, fill[i - 1]!) > 0).slice(0, 40);
        expect(fill[i]).toBe(page[page.length - 1]!.id);
      }
      expect(fill.length).toBeGreaterThanOrEqual(Math.ceil(during.length / 40));
      const report = connector().status().instances[0]!.lastGapFill as GapReport;
      expect(report).toMatchObject({ from: gapFrom, complete: true, unfilled: [], requests: fill.length });
      console.log(
        `mastodon outage drill: down ${(downForMs / 1000).toFixed(1)} s; ${attempts.length} reconnect attempts, delays ${attempts.map((a) => a.delayMs).join(', ')} ms; ` +
          `gap fill ${report.requests} requests, ${report.statuses} statuses; ${ids.length} posts (${expected.size} expected, ${duringIds.size} published during the outage), each once`,
      );
    } finally {
      await sources.stop();
    }
  });
});
