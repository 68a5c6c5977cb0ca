import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, hashApiKey, isBinarySignalMessage, loadConfig, readSignalMessage, topicNames } from '@downradar/common';
import type { SignalEvent } from '../../../schemas/events/index';
import { STACK_ENV, readTopic, readTopicToEnd, testKafka, testPrefix } from '@downradar/common/testing';
import { ingestConfigSpec } from './config';
import { buildIngest } from './wiring';

const KEY = 'test-key-ingest-0123456789';
const prefix = testPrefix('ingest');
const topics = topicNames(prefix);
const kafka = testKafka();
const env = { ...STACK_ENV, DOWNRADAR_TOPIC_PREFIX: prefix, DOWNRADAR_KAFKA_PARTITIONS: '2', DOWNRADAR_API_KEY_HASHES: hashApiKey(KEY), DOWNRADAR_LOG_LEVEL: 'silent', DOWNRADAR_REPORTER_SALT: 'test-salt' };
let ingest: Awaited<ReturnType<typeof buildIngest>>;

/** The signals of one signals message (ingest writes them in the binary form). */
function signalsIn(value: Buffer | null): SignalEvent[] {
  const read = readSignalMessage(value);
  if (!read.ok) throw new Error(read.reason);
  return read.items.map((item) => {
    if (!item.ok) throw new Error(item.reason);
    return item.value;
  });
}

beforeAll(async () => {
  ingest = await buildIngest(loadConfig(ingestConfigSpec, env));
});
afterAll(async () => {
  await ingest.app.close();
  await deleteTopicsWithPrefix(kafka, prefix);
});

describe('ingest against the real broker', () => {
  it('stores a posted report in Kafka before answering 202, with the reporter hashed, and its signal keyed by service', async () => {
    const res = await ingest.app.inject({
      method: 'POST',
      url: '/v1/reports',
      payload: { id: 'rep-1', serviceId: 'whatsapp', problem: 'messaging', reporterId: 'alice@example.com', country: 'GB' },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ id: 'rep-1', status: 'accepted' });
    const [report] = await readTopic(kafka, topics.reports, 1);
    const ev = JSON.parse(report!.value!.toString());
    expect(ev).toMatchObject({ id: 'rep-1', serviceId: 'whatsapp', problem: 'messaging', country: 'GB', source: 'web' });
    expect(ev.reporterHash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(ev)).not.toContain('alice');
    expect(report!.key!.toString()).toBe('whatsapp');
    const [signal] = await readTopic(kafka, topics.signals, 1);
    expect(signal!.key!.toString()).toBe('whatsapp');
    expect(isBinarySignalMessage(signal!.value!)).toBe(true);
    expect(signalsIn(signal!.value)).toEqual([expect.objectContaining({ id: 'rep-1', kind: 'report', serviceId: 'whatsapp', outage: true })]);
  });

  it('stores the same report id once', async () => {
    const payload = { id: 'rep-dup', serviceId: 'facebook', problem: 'website', reporterId: 'bob' };
    const a = await ingest.app.inject({ method: 'POST', url: '/v1/reports', payload });
    const b = await ingest.app.inject({ method: 'POST', url: '/v1/reports', payload });
    expect(a.json().status).toBe('accepted');
    expect(b.json().status).toBe('duplicate');
    // A 202 comes after Kafka acknowledged, so the topic as it is now holds all there will be.
    const all = await readTopicToEnd(kafka, topics.reports);
    expect(all.filter((m) => JSON.parse(m.value!.toString()).id === 'rep-dup')).toHaveLength(1);
  });

  it('needs an API key for posts and batches', async () => {
    const post = { id: 'p-1', at: Date.now(), text: 'is facebook down?? #facebookdown', source: 'twitter', authorHash: 'a1' };
    expect((await ingest.app.inject({ method: 'POST', url: '/v1/posts', payload: post })).statusCode).toBe(401);
    const ok = await ingest.app.inject({ method: 'POST', url: '/v1/posts', payload: post, headers: { 'x-api-key': KEY } });
    expect(ok.statusCode, ok.body).toBe(202);
    const batch = await ingest.app.inject({ method: 'POST', url: '/v1/reports/batch', payload: '{}', headers: { 'content-type': 'application/x-ndjson' } });
    expect(batch.statusCode).toBe(401);
    expect(batch.json()).toMatchObject({ code: 'UNAUTHORIZED', field: 'x-api-key' });
  });

  it('accepts an NDJSON batch line by line: good lines stored, bad lines answered with number and reason', async () => {
    const now = Date.now();
    const lines = [
      JSON.stringify({ id: 'b-1', serviceId: 'instagram', problem: 'app', reporterId: 'u1', at: now }),
      '{not json',
      JSON.stringify({ serviceId: 'nosuchservice', problem: 'app', reporterId: 'u2' }),
      JSON.stringify({ id: 'b-2', serviceId: 'instagram', problem: 'website', reporterId: 'u3', at: now }),
      JSON.stringify({ serviceId: 'instagram', problem: 'app' }),
    ];
    const res = await ingest.app.inject({
      method: 'POST',
      url: '/v1/reports/batch',
      payload: lines.join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY },
    });
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejections).toEqual([
      expect.objectContaining({ line: 2, code: 'BAD_JSON' }),
      expect.objectContaining({ line: 3, code: 'UNKNOWN_SERVICE', field: 'serviceId' }),
      expect.objectContaining({ line: 5, code: 'BAD_FIELD', field: 'reporterId' }),
    ]);
    const all = await readTopicToEnd(kafka, topics.reports);
    const ids = all.map((m) => JSON.parse(m.value!.toString()).id);
    expect(ids).toEqual(expect.arrayContaining(['b-1', 'b-2']));
  });

  it('stores a mixed batch of reports and posts in line order, one event per id whichever endpoint sent it', async () => {
    const at = Date.now() - 60_000;
    const report = (i: number) => ({ report: { id: `mix-r${i}`, serviceId: 'whatsapp', problem: 'messaging', reporterId: `mu${i}`, at: at + i } });
    const post = (i: number) => ({ post: { id: `mix-p${i}`, at: at + i, text: 'whatsapp down again? #whatsappdown', source: 'twitter', authorHash: `ma${i}` } });
    const lines = [report(0), post(1), report(2), { report: { serviceId: 'whatsapp' }, post: {} }, post(3), report(4), { post: { id: 'mix-bad', at, text: 'x' } }, 'null'];
    const send = (body: string) =>
      ingest.app.inject({ method: 'POST', url: '/v1/events/batch', payload: body, headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY } });
    const res = await send(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 5, duplicates: 0, rejected: 3 });
    expect(res.json().rejections).toEqual([
      expect.objectContaining({ line: 4, code: 'BAD_FIELD', field: '(line)' }),
      expect.objectContaining({ line: 7, code: 'BAD_FIELD', field: 'post.source' }),
      expect.objectContaining({ line: 8, code: 'BAD_FIELD', field: '(line)' }),
    ]);
    // The signals of whatsapp (one partition) in line order: r0, p1, r2, p3, r4.
    // They are within 5 s of event time, so they travel as one SignalBatch message keyed whatsapp.
    const messages = (await readTopicToEnd(kafka, topics.signals)).filter((m) => signalsIn(m.value).some((s) => s.sourceId.startsWith('mix-')));
    expect(messages).toHaveLength(1);
    const batch = signalsIn(messages[0]!.value);
    expect(batch.map((s) => s.sourceId)).toEqual(['mix-r0', 'mix-p1', 'mix-r2', 'mix-p3', 'mix-r4']);
    expect(messages[0]!.key!.toString()).toBe('whatsapp');
    expect(new Set(batch.map((s) => s.serviceId))).toEqual(new Set(['whatsapp']));
    // The same events again, and one through the reports endpoint: duplicates, nothing written twice.
    const again = await send(JSON.stringify(report(0)) + '\n' + JSON.stringify(post(1)) + '\n');
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2 });
    const viaReports = await ingest.app.inject({
      method: 'POST',
      url: '/v1/reports/batch',
      payload: JSON.stringify(report(2).report) + '\n',
      headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY },
    });
    expect(viaReports.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const reports = (await readTopicToEnd(kafka, topics.reports)).map((m) => JSON.parse(m.value!.toString()).id as string).filter((id) => id.startsWith('mix-'));
    expect(reports.sort()).toEqual(['mix-r0', 'mix-r2', 'mix-r4']);
    const posts = (await readTopicToEnd(kafka, topics.posts)).map((m) => JSON.parse(m.value!.toString()).id as string).filter((id) => id.startsWith('mix-'));
    expect(posts.sort()).toEqual(['mix-p1', 'mix-p3']);
  });

  it('turns a post into signals for the services it is about', async () => {
    const post = { id: 'p-sig', at: Date.now(), text: 'whatsapp and instagram not working #whatsappdown', source: 'twitter', authorHash: 'a9' };
    const res = await ingest.app.inject({ method: 'POST', url: '/v1/posts', payload: post, headers: { 'x-api-key': KEY } });
    expect(res.statusCode).toBe(202);
    const signals = (await readTopicToEnd(kafka, topics.signals)).flatMap((m) => signalsIn(m.value));
    const mine = signals.filter((s) => s.sourceId === 'p-sig');
    expect(mine.map((s) => s.serviceId).sort()).toEqual(['instagram', 'whatsapp']);
    expect(mine.every((s) => s.outage)).toBe(true);
  });

  it('stores the language detected in a post beside the one its source declared', async () => {
    const posts = [
      { id: 'p-lang-tr', at: Date.now(), text: 'whatsapp çöktü mü? mesajlar gitmiyor', source: 'mastodon', authorHash: 'a10', lang: 'en' },
      { id: 'p-lang-ja', at: Date.now(), text: 'インスタ落ちてる？タイムライン更新されない', source: 'bluesky', authorHash: 'a11' },
    ];
    for (const post of posts) {
      const res = await ingest.app.inject({ method: 'POST', url: '/v1/posts', payload: post, headers: { 'x-api-key': KEY } });
      expect(res.statusCode, res.body).toBe(202);
    }
    const stored = (await readTopic(kafka, topics.posts, 100, 4000)).map((m) => JSON.parse(m.value!.toString()));
    expect(stored.find((p) => p.id === 'p-lang-tr')).toMatchObject({ lang: 'en', detectedLang: 'tr' });
    expect(stored.find((p) => p.id === 'p-lang-ja')).toMatchObject({ detectedLang: 'ja' });
    expect(stored.find((p) => p.id === 'p-lang-ja').lang).toBeUndefined();
  });

  it('answers 503 with Retry-After and acknowledges nothing when the broker cannot be reached', async () => {
    // A broker address where nothing listens. (Killing the real broker under load is a fault drill.)
    const dead = await buildIngest(
      loadConfig(ingestConfigSpec, { ...env, DOWNRADAR_KAFKA_BROKERS: '127.0.0.1:1', DOWNRADAR_PRODUCE_TIMEOUT_MS: '3000' }),
      { waitForKafka: false },
    );
    const res = await dead.app.inject({ method: 'POST', url: '/v1/reports', payload: { id: 'never', serviceId: 'facebook', problem: 'website', reporterId: 'z' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    const ready = await dead.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    await dead.app.close();
    const all = await readTopicToEnd(kafka, topics.reports);
    expect(all.some((m) => JSON.parse(m.value!.toString()).id === 'never')).toBe(false);
  });
});
