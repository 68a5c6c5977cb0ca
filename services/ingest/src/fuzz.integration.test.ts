import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, hashApiKey, loadConfig, topicNames } from '@downradar/common';
import { seededRandom } from '@downradar/common/seeded-random';
import { STACK_ENV, readTopicToEnd, testKafka, testPrefix } from '@downradar/common/testing';
import { ingestConfigSpec } from './config';
import { buildIngest } from './wiring';

/**
 * 10,000+ malformed or hostile bodies: every one gets a 4xx with a code and a reason, the
 * process stays up, and nothing reaches Kafka. Deterministic (seeded), so a failure replays.
 */
const KEY = 'fuzz-key-0123456789abcdef';
const prefix = testPrefix('fuzz');
const topics = topicNames(prefix);
const kafka = testKafka();
let ingest: Awaited<ReturnType<typeof buildIngest>>;

beforeAll(async () => {
  ingest = await buildIngest(
    loadConfig(ingestConfigSpec, {
      ...STACK_ENV,
      DOWNRADAR_TOPIC_PREFIX: prefix,
      DOWNRADAR_KAFKA_PARTITIONS: '1',
      DOWNRADAR_API_KEY_HASHES: hashApiKey(KEY),
      DOWNRADAR_LOG_LEVEL: 'silent',
      DOWNRADAR_REPORTER_SALT: 's',
      DOWNRADAR_REPORTS_PER_IP_PER_MINUTE: '10000000',
      // This test is about validation, not load shedding: a busy CI machine must not turn 4xx into 503.
      DOWNRADAR_MAX_EVENT_LOOP_DELAY_MS: '60000',
    }),
  );
});
afterAll(async () => {
  await ingest.app.close();
  await deleteTopicsWithPrefix(kafka, prefix);
});

type Case = { url: string; contentType: string; body: string | Buffer; key?: boolean };

function hostileCases(n: number): Case[] {
  const r = seededRandom(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const good = { serviceId: 'facebook', problem: 'website', reporterId: 'u1' };
  const goodPost = { id: 'p1', at: Date.now(), text: 'facebook down', source: 'twitter', authorHash: 'a' };
  const deep = (d: number) => '['.repeat(d) + ']'.repeat(d);
  const mutations: Array<() => Case> = [
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, serviceId: pick([1, null, true, [], {}, '', 'FACEBOOK', 'a'.repeat(500), '../etc']) }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, problem: pick([0, 'crash', null, ['app']]) }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, text: 'x'.repeat(501 + Math.floor(r() * 5000)) }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, text: `bad\u0000nul${Math.floor(r() * 1e6)}` }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, at: pick([-1, 1e20, 'now', Date.now() + 86_400_000, 0.5]) }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, country: pick(['gb', 'GBR', 1, 'G']) }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: `{"serviceId":"facebook","problem":"website","reporterId":"u","__proto__":{"admin":true}}` }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: `{"serviceId":"facebook","problem":"website","reporterId":"u","constructor":{"prototype":{"x":1}}}` }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: deep(1000 + Math.floor(r() * 9000)) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify(good).slice(0, Math.floor(r() * 40)) }),
    () => ({ url: '/v1/reports', contentType: pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']), body: JSON.stringify(good) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify({ ...good, extra: 'field' }) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: JSON.stringify(pick([null, 1, 'str', [], [good]])) }),
    () => ({ url: '/v1/reports', contentType: 'application/json', body: 'x'.repeat(70 * 1024) }),
    () => ({ url: '/v1/posts', contentType: 'application/json', body: JSON.stringify(goodPost) }), // no key
    () => ({ url: '/v1/posts', contentType: 'application/json', key: true, body: JSON.stringify({ ...goodPost, text: pick(['', 5, null]) }) }),
    () => ({ url: '/v1/posts', contentType: 'application/json', key: true, body: JSON.stringify({ ...goodPost, id: pick(['has space', '', 'ü'.repeat(3)]) }) }),
    () => ({ url: '/v1/reports/batch', contentType: 'application/x-ndjson', key: true, body: Buffer.from([0xc3, 0x28, 0x0a]) }),
    () => ({ url: '/v1/reports/batch', contentType: 'application/json', key: true, body: JSON.stringify(good) }),
    () => ({ url: '/v1/reports/batch', contentType: 'application/x-ndjson', body: JSON.stringify(good) }), // no key
  ];
  const out: Case[] = [];
  for (let i = 0; i < n; i++) out.push(pick(mutations)());
  return out;
}

describe('hostile input', () => {
  it('answers every one of 10,000 malformed bodies with a 4xx that has a code and a reason; nothing reaches Kafka', async () => {
    const cases = hostileCases(10_000);
    const statuses = new Map<number, number>();
    for (const c of cases) {
      const res = await ingest.app.inject({
        method: 'POST',
        url: c.url,
        payload: c.body,
        headers: { 'content-type': c.contentType, ...(c.key ? { 'x-api-key': KEY } : {}) },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `${c.url} ${String(c.body).slice(0, 80)} -> ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${c.url} ${String(c.body).slice(0, 80)} -> ${res.body.slice(0, 200)}`).toBeLessThan(500);
      const body = res.json();
      expect(typeof body.code).toBe('string');
      expect(body.message.length).toBeGreaterThan(3);
    }
    // Batches with only bad lines are 202 with every line rejected; other cases are 4xx.
    console.log('fuzz statuses', Object.fromEntries(statuses));
    // Still up and serving.
    expect((await ingest.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // Ingest answers only after Kafka acknowledged, so the topics as they are now hold all there will be.
    expect(await readTopicToEnd(kafka, topics.reports)).toHaveLength(0);
    expect(await readTopicToEnd(kafka, topics.signals)).toHaveLength(0);
  }, 300_000);
});
