/**
 * /v1/stream against the real Kafka broker: events produced to throwaway topics (random prefix)
 * reach SSE clients over a real HTTP connection, filtered by service.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, deleteTopicsWithPrefix, ensureTopics, loadConfig, topicNames, type Producer, type Kafka } from '@downradar/common';
import { loadCatalog } from '../../../../schemas/catalog/index';
import { eventually, testClickHouse, testKafka, testPrefix, STACK_ENV } from '@downradar/common/testing';
import type { ScoreCatchup } from '../../../../schemas/api/index';
import type { IncidentEvent, ScoreEvent, TrendEvent } from '../../../../schemas/events/index';
import { buildApp } from '../app';
import { apiCatalog } from '../catalog';
import { apiConfigSpec } from '../config';

const PREFIX = testPrefix('api-stream');
const topics = topicNames(PREFIX);
let kafka: Kafka;
let producer: Producer;
let app: FastifyInstance;
let base: string;
const clickhouse = testClickHouse();

interface SseClient {
  response: IncomingMessage;
  events: { event: string; data: unknown }[];
  ended: Promise<void>;
  close(): void;
}

function connect(path: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${base}${path}`, (response) => {
      const events: SseClient['events'] = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      const ended = new Promise<void>((r) => response.on('close', () => r()));
      resolve({ response, events, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

const now = Date.now();
const score = (serviceId: string, n: number): ScoreEvent => ({
  serviceId,
  windowStart: now - 60_000,
  windowEnd: now,
  count: n,
  rawCount: n,
  expected: 2,
  upper: 6,
  score: 0.97,
  level: 'danger',
  evidence: { problems: [{ key: 'login', count: n }], countries: [], hashtags: [], samplePostIds: [] },
  computedAt: now,
});
const incident: IncidentEvent = {
  eventId: 'inc-stream-1:1',
  incidentId: 'inc-stream-1',
  seq: 1,
  type: 'opened',
  at: now,
  emittedAt: now,
  level: 'warning',
  startedAt: now - 120_000,
  services: [{ serviceId: 'whatsapp', role: 'primary', level: 'warning', peakScore: 0.9, peakCount: 40 }],
  summary: 'whatsapp: possible problems',
};
const trend: TrendEvent = {
  hashtag: 'whatsappdown',
  windowStart: now - 60_000,
  windowEnd: now,
  count: 40,
  expected: 1,
  burst: 0.95,
  trending: true,
  serviceId: 'whatsapp',
  outage: true,
};

beforeAll(async () => {
  kafka = testKafka('api-stream-test');
  await ensureTopics(kafka, { prefix: PREFIX, partitions: 1, only: ['scores', 'alerts', 'trends'] });
  producer = createProducer({ kafka });
  await producer.connect();
  const config = loadConfig(apiConfigSpec, {
    ...STACK_ENV,
    DOWNRADAR_TOPIC_PREFIX: PREFIX,
    DOWNRADAR_STREAM_PING_MS: '300',
  });
  app = await buildApp({ config, clickhouse, catalog: apiCatalog(loadCatalog().services), kafka });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await app.streamConsumer!.ready;
});

afterAll(async () => {
  await app?.close();
  await producer?.close();
  await deleteTopicsWithPrefix(kafka, PREFIX).catch(() => undefined);
  await clickhouse.close();
});

describe('GET /v1/stream', () => {
  it('delivers score, incident and trend events from Kafka; a filtered client gets only its services', async () => {
    const all = await connect('/v1/stream');
    const fb = await connect('/v1/stream?services=facebook,instagram');
    expect(all.response.statusCode).toBe(200);
    expect(all.response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(all.response.headers['cache-control']).toContain('no-cache');

    // The consumer starts at the latest offset once it owns its partitions: keep producing until
    // the first message is seen, rather than guessing how long the group join takes.
    await eventually(
      async () => {
        await producer.send([
          { topic: topics.scores, key: 'twitter', value: JSON.stringify(score('twitter', 11)) },
          { topic: topics.scores, key: 'facebook', value: JSON.stringify(score('facebook', 42)) },
          { topic: topics.alerts, key: incident.incidentId, value: JSON.stringify(incident) },
          { topic: topics.trends, key: trend.hashtag, value: JSON.stringify(trend) },
          { topic: topics.scores, key: 'x', value: 'not json' },
        ]);
        await new Promise((r) => setTimeout(r, 500));
        const names = new Set(all.events.map((e) => e.event));
        return names.has('score') && names.has('incident') && names.has('trend') && fb.events.some((e) => e.event === 'score') ? true : undefined;
      },
      60_000,
      'events on the stream',
    );

    const fbScore = fb.events.find((e) => e.event === 'score')!.data as ScoreEvent;
    expect(fbScore).toEqual(score('facebook', 42));
    expect(fb.events.filter((e) => e.event === 'score').every((e) => (e.data as ScoreEvent).serviceId === 'facebook')).toBe(true);
    // whatsapp's incident and trend are not for this client.
    expect(fb.events.some((e) => e.event === 'incident' || e.event === 'trend')).toBe(false);
    expect(all.events.find((e) => e.event === 'incident')!.data).toEqual(incident);
    expect(all.events.find((e) => e.event === 'trend')!.data).toEqual(trend);
    expect(all.events.filter((e) => e.event === 'score').map((e) => (e.data as ScoreEvent).serviceId)).toEqual(
      expect.arrayContaining(['twitter', 'facebook']),
    );
    // The bad message was skipped and counted, not sent.
    expect(await app.registry.getSingleMetricAsString('api_stream_invalid_messages_total')).toMatch(/\{[^}]*topic="[^"]+\.scores"[^}]*\} [1-9]/);
    all.close();
    fb.close();
  });

  it('summarises a catch-up: 360 windows of one service arrive as a summary and the newest score', async () => {
    // Six hours of empty windows closed at once (the first report after a quiet night), as the
    // detector writes them: one transaction, one partition.
    const start = Math.floor(now / 60_000) * 60_000 - 360 * 60_000;
    const backlog = Array.from({ length: 360 }, (_, i): ScoreEvent => ({
      ...score('whatsapp', 0),
      windowStart: start + i * 60_000,
      windowEnd: start + (i + 1) * 60_000,
      count: i === 359 ? 1 : 0,
      rawCount: i === 359 ? 1 : 0,
      level: 'ok',
      score: 0.05,
    }));
    const c = await connect('/v1/stream?services=whatsapp');
    await producer.send(backlog.map((b) => ({ topic: topics.scores, key: 'whatsapp', value: JSON.stringify(b) })));
    await eventually(
      async () => (c.events.some((e) => e.event === 'score' && (e.data as ScoreEvent).windowStart === backlog[359]!.windowStart) ? true : undefined),
      30_000,
      'the newest window on the stream',
    );
    const scores = c.events.filter((e) => e.event === 'score').map((e) => e.data as ScoreEvent);
    const catchups = c.events.filter((e) => e.event === 'catchup').map((e) => e.data as ScoreCatchup);
    // However kafkajs splits the fetch, every window is accounted for once and only a handful of
    // events reach the client (one summary and one score per batch read).
    expect(scores.length).toBeLessThanOrEqual(5);
    expect(catchups.length).toBeGreaterThanOrEqual(1);
    const covered = catchups.reduce((a, x) => a + x.windows, 0) + scores.filter((s) => !catchups.some((x) => s.windowStart >= x.from && s.windowEnd <= x.to)).length;
    expect(covered).toBe(360);
    expect(catchups.reduce((a, x) => a + x.count, 0)).toBe(1);
    expect(catchups.every((x) => x.serviceId === 'whatsapp' && x.worstLevel === 'ok')).toBe(true);
    expect(Math.min(...catchups.map((x) => x.from))).toBe(start);
    expect(scores.at(-1)).toEqual(backlog[359]);
    c.close();
  });

  it('pings every interval (15 s by default; 300 ms here)', async () => {
    const c = await connect('/v1/stream');
    await eventually(async () => (c.events.filter((e) => e.event === 'ping').length >= 3 ? true : undefined), 10_000, 'three pings');
    expect(c.events[0]).toMatchObject({ event: 'ping', data: { at: expect.any(Number) } });
    c.close();
    await eventually(async () => (app.hub.size === 0 ? true : undefined), 5000, `client removed (${app.hub.size} left)`);
  });

  it('400 for a filter that is not a list of catalog slugs', async () => {
    for (const [query, message] of [
      ['services=Facebook', 'querystring.services must match'],
      ['services=facebook,,twitter', 'querystring.services must match'],
      ['services=facebook,myspace', 'not in the catalog: myspace'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: `/v1/stream?${query}` });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_PARAMETER', field: 'services' });
      expect(res.json().message).toContain(message);
    }
  });
});
