/**
 * The Bluesky connector against a local Jetstream server and the real Kafka: posts about catalog
 * services reach downradar.posts and .signals once each, across a crash (SIGKILL of the process
 * mid-stream), an outage of the source, an endpoint that is down (failover), malformed and
 * oversized frames (dead letters with a reason).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, ensureTopics, loadConfig, readToEnd, repoRoot, topicNames, createLogger } from '@downradar/common';
import { reporterHasher } from '@downradar/common/report-event';
import { eventually, KAFKA_BROKERS, testKafka, testPrefix } from '@downradar/common/testing';
import { createUnderstanding } from '@downradar/nlp';
import { sourcesConfigSpec } from '../config';
import { createPostPipeline } from '../posts/post-pipeline';
import { createSources } from '../sources';
import { expectBackoffWithJitter, reconnectLines } from '../testing/backoff-lines';
import { JetstreamTestServer, makeFrames, type Frame } from '../testing/jetstream-server';
import { readFrame } from './jetstream-frame';

const kafka = testKafka('sources-bluesky-test');
const SALT = 'test-salt-for-bluesky';
const hashAuthor = reporterHasher(SALT);
const pipeline = createPostPipeline(createUnderstanding());
const prefixes: string[] = [];

/** The post ids the connector must produce for these frames, computed with the same rules. */
function expectedPostIds(frames: Frame[]): Set<string> {
  const ids = new Set<string>();
  for (const f of frames) {
    const v = readFrame(f.text, { maxFrameBytes: 256 * 1024, hashAuthor });
    if (v.type !== 'post') continue;
    const r = pipeline.process(v.post.candidate, v.post.candidate.at + 1000, v.post.tags);
    if (r.kind === 'post') ids.add(r.post.id);
  }
  return ids;
}

async function topicValues(topic: string): Promise<string[]> {
  const out: string[] = [];
  await readToEnd(kafka, topic, { groupPrefix: 'bluesky-test' }, (m) => out.push(m.value?.toString('utf8') ?? ''));
  return out;
}

function env(prefix: string, endpoints: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    DOWNRADAR_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_KAFKA_PARTITIONS: '2',
    DOWNRADAR_SOURCES: 'bluesky',
    DOWNRADAR_SOURCES_PORT: '0',
    DOWNRADAR_JETSTREAM_ENDPOINTS: endpoints.join(','),
    DOWNRADAR_JETSTREAM_COMMIT_MS: '200',
    DOWNRADAR_JETSTREAM_REWIND_MS: '2000',
    DOWNRADAR_RECONNECT_INITIAL_MS: '200',
    DOWNRADAR_RECONNECT_MAX_MS: '2000',
    DOWNRADAR_REPORTER_SALT: SALT,
    DOWNRADAR_LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function newPrefix(name: string): Promise<string> {
  const prefix = testPrefix(name);
  prefixes.push(prefix);
  await ensureTopics(kafka, { prefix, partitions: 2 });
  return prefix;
}

/** Emits frames at `perSecond` from a timer, like a live firehose. */
function streamFrames(server: JetstreamTestServer, frames: Frame[], perSecond: number): { done: Promise<void>; stop(): void } {
  let i = 0;
  let timer: NodeJS.Timeout;
  const done = new Promise<void>((resolve) => {
    const perTick = Math.max(1, Math.round(perSecond / 50));
    timer = setInterval(() => {
      for (let k = 0; k < perTick && i < frames.length; k++) server.emit(frames[i++]!);
      if (i >= frames.length) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  return { done, stop: () => clearInterval(timer) };
}

async function waitForPosts(topic: string, expected: number, timeoutMs = 90_000): Promise<string[]> {
  return eventually(async () => {
    const values = await topicValues(topic);
    return values.length >= expected ? values : undefined;
  }, timeoutMs, `${expected} posts on ${topic}`);
}

function idsOf(values: string[]): string[] {
  return values.map((v) => (JSON.parse(v) as { id: string }).id);
}

afterAll(async () => {
  for (const p of prefixes) await deleteTopicsWithPrefix(kafka, p).catch(() => undefined);
});

describe('bluesky connector (local Jetstream, real Kafka)', () => {
  let server: JetstreamTestServer;
  beforeAll(async () => {
    server = new JetstreamTestServer();
    await server.start();
  });
  afterAll(async () => server.stop());

  it('a process killed mid-stream and restarted loses no post and writes none twice', async () => {
    const prefix = await newPrefix('bsky-kill');
    const topics = topicNames(prefix);
    const frames = makeFrames(12_000, Date.now() * 1000, { stepUs: 500, seed: 7, relevantShare: 0.15 });
    const expected = expectedPostIds(frames);
    expect(expected.size).toBeGreaterThan(100);
    const start = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', `${repoRoot}/services/sources/src/main.ts`], { cwd: repoRoot, env: { ...process.env, ...env(prefix, [server.url]) }, stdio: ['ignore', 'ignore', 'inherit'] });
    const before = server.connections;
    let child = start();
    await eventually(async () => (server.connections > before ? true : undefined), 60_000, 'the connector to connect');
    const stream = streamFrames(server, frames, 1500);
    // Kill it once it has committed part of the stream but not all of it.
    await eventually(async () => ((await topicValues(topics.posts)).length > expected.size / 4 ? true : undefined), 60_000, 'a quarter of the posts');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const afterKill = (await topicValues(topics.posts)).length;
    expect(afterKill).toBeLessThan(expected.size);
    child = start();
    await stream.done;
    const values = await waitForPosts(topics.posts, expected.size);
    await new Promise((r) => setTimeout(r, 1500)); // anything still arriving would be a duplicate
    const ids = idsOf(await topicValues(topics.posts));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(values.length).toBeGreaterThanOrEqual(expected.size);
    expect(new Set(ids).size).toBe(ids.length); // none twice
    expect(new Set(ids)).toEqual(expected); // none lost, nothing else
    // The restart resumed from the committed cursor, a rewind before it, not from the live tail.
    const resumed = server.cursorsAsked.slice(before + 1).find((c) => c !== null);
    expect(resumed).toBeDefined();
    expect(resumed!).toBeLessThan(frames[frames.length - 1]!.time_us);
    // Every post came with its signals, keyed by service, in signal batches (one message per
    // service per commit here, the stream's event times being seconds apart at most).
    const messages: { key: string; value: unknown }[] = [];
    await readToEnd(kafka, topics.signals, { groupPrefix: 'bluesky-test' }, (m) => messages.push({ key: m.key?.toString() ?? '', value: JSON.parse(m.value?.toString('utf8') ?? 'null') as unknown }));
    const signals = messages.flatMap((m) => (Array.isArray(m.value) ? m.value : [m.value]) as { sourceId: string; serviceId: string }[]);
    expect(new Set(signals.map((s) => s.sourceId))).toEqual(expected);
    expect(messages.every((m) => (Array.isArray(m.value) ? m.value : [m.value]).every((s: { serviceId: string }) => s.serviceId === m.key))).toBe(true);
    expect(messages.length).toBeLessThan(signals.length / 2);
    console.log(`bluesky kill drill: ${signals.length} signals in ${messages.length} messages (${(messages.length / signals.length).toFixed(3)} messages per signal)`);
  });

  // 5 s in the suite; DOWNRADAR_SOURCE_OUTAGE_MS=120000 for the two-minute drill, whose test then
  // needs the outage on top of the integration project's two minutes.
  const outageMs = Number(process.env.DOWNRADAR_SOURCE_OUTAGE_MS ?? 5000);
  it('fails over from a dead endpoint, rides out an outage of the source with backoff, and resumes from its cursor', { timeout: outageMs + 120_000 }, async () => {
    const prefix = await newPrefix('bsky-outage');
    const topics = topicNames(prefix);
    const config = loadConfig(sourcesConfigSpec, env(prefix, ['ws://127.0.0.1:9/subscribe', server.url]));
    // Its reconnect lines (debug) are the evidence of backoff and jitter; the rest is not printed.
    const lines: string[] = [];
    const sources = createSources(config, { logger: createLogger('sources-test', 'debug', { write: (line: string) => void lines.push(line) }) });
    const before = server.connections;
    await sources.start();
    try {
      await eventually(async () => (server.connections > before ? true : undefined), 30_000, 'failover to the live endpoint');
      const t0 = Date.now() * 1000;
      const first = makeFrames(3000, t0, { stepUs: 1000, seed: 11 });
      const during = makeFrames(3000, t0 + 3_000_000, { stepUs: 1000, seed: 12 });
      const after = makeFrames(3000, t0 + 6_000_000, { stepUs: 1000, seed: 13 });
      await streamFrames(server, first, 3000).done;
      await waitForPosts(topics.posts, expectedPostIds(first).size);
      // The source goes down; Jetstream keeps recording what happens meanwhile.
      const port = server.port;
      const linesAtOutage = lines.length;
      const outageStart = Date.now();
      await server.stop();
      for (const f of during) server.frames.push(f);
      const connectionsAtOutage = server.connections;
      await new Promise((r) => setTimeout(r, outageMs));
      await server.start(port);
      const downForMs = Date.now() - outageStart;
      const linesAtReturn = lines.length;
      await eventually(async () => (server.connections > connectionsAtOutage ? true : undefined), 30_000, 'a reconnection after the outage');
      await streamFrames(server, after, 3000).done;
      const expected = expectedPostIds([...first, ...during, ...after]);
      await waitForPosts(topics.posts, expected.size);
      await new Promise((r) => setTimeout(r, 1000));
      const ids = idsOf(await topicValues(topics.posts));
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(expected);
      // Backoff and jitter while both endpoints were down, from the connector's reconnect lines.
      expectBackoffWithJitter(reconnectLines(lines.slice(linesAtOutage, linesAtReturn), 'bluesky: no stream; trying the next endpoint'), { initialMs: 200, maxMs: 2000 }, downForMs);
      const resumedAt = server.cursorsAsked[server.cursorsAsked.length - 1];
      expect(resumedAt).not.toBeNull();
      expect(resumedAt!).toBeLessThanOrEqual(during[0]!.time_us);
    } finally {
      await sources.stop();
    }
  });

  it('sends malformed and oversized frames to the DLQ with a reason and carries on', async () => {
    const prefix = await newPrefix('bsky-dlq');
    const topics = topicNames(prefix);
    const config = loadConfig(sourcesConfigSpec, env(prefix, [server.url], { DOWNRADAR_JETSTREAM_MAX_FRAME_BYTES: '4096' }));
    const sources = createSources(config, { logger: createLogger('sources-test', 'silent') });
    const before = server.connections;
    await sources.start();
    try {
      await eventually(async () => (server.connections > before ? true : undefined), 30_000, 'a connection');
      const t = Date.now() * 1000;
      const did = 'did:plc:dlqtestdlqtestdlqtestdlq';
      const post = (time_us: number, text: string) => JSON.stringify({ did, time_us, kind: 'commit', commit: { rev: 'r', operation: 'create', collection: 'app.bsky.feed.post', rkey: `k${time_us}`, cid: 'c', record: { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString(), langs: ['en'] } } });
      server.emit({ time_us: t, text: '{"did": "did:plc:x", "time_us": ' });
      server.emit({ time_us: t + 1, text: post(t + 1, 'facebook down '.repeat(500)) });
      server.emit({ time_us: t + 2, text: JSON.stringify({ did, time_us: t + 2, kind: 'commit', commit: { operation: 'create', collection: 'app.bsky.feed.post', rkey: 'z', record: { text: 7 } } }) });
      server.emit({ time_us: t + 3, text: post(t + 3, 'is whatsapp down for everyone? #whatsappdown') });
      const dead = await eventually(async () => {
        const v = (await topicValues(topics.dlq)).map((x) => JSON.parse(x) as { code: string; reason: string; origin: string; payload: string });
        return v.length >= 3 ? v : undefined;
      }, 30_000, 'three dead letters');
      expect(dead.map((d) => d.code).sort()).toEqual(['BAD_FRAME', 'FRAME_TOO_LARGE', 'NOT_JSON']);
      for (const d of dead) {
        expect(d.origin).toMatch(/bluesky/);
        expect(d.reason.length).toBeGreaterThan(5);
      }
      expect(dead.find((d) => d.code === 'BAD_FRAME')!.reason).toMatch(/text/);
      const posts = await waitForPosts(topics.posts, 1);
      expect(posts.map((p) => JSON.parse(p) as { text: string }).map((p) => p.text)).toEqual(['is whatsapp down for everyone? #whatsappdown']);
    } finally {
      await sources.stop();
    }
  });
});
