/**
 * POST /v1/reports's fast path (reports-fast.ts) answers as fastify's route does: two apps in one
 * process, one with the fast path and one without, get the same drawn requests over real sockets
 * (good, bad, oversize, wrong content type, chunked, duplicate, reporter- and address-limited,
 * Kafka failing, shedding) and must give the same status, headers (all but Date) and body, and
 * produce the same messages. The clock is frozen so both see the same `now` and the same windows.
 */
import { request, Agent, type OutgoingHttpHeaders, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '@downradar/common/seeded-random';
import type { OutMessage, Producer } from '@downradar/common';
import { inProcessIngest } from '../testing/in-process-app';
import type { IngestOptions } from '../app';

const NOW = Date.UTC(2026, 11, 7, 19, 0, 0);

interface Side {
  app: FastifyInstance;
  port: number;
  agent: Agent;
  produced: OutMessage[][];
  /** Requests fastify's router saw. */
  routed: number;
}

function producer(produced: OutMessage[][], fail: () => boolean): Producer {
  return {
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    connect: async () => undefined,
    close: async () => undefined,
    send: async (messages: OutMessage[]) => {
      if (fail()) throw new Error('broker down');
      produced.push(messages.map((m) => ({ ...m, value: Buffer.isBuffer(m.value) ? Buffer.from(m.value) : m.value })));
    },
  };
}

const open: Side[] = [];

async function side(fastReports: boolean, options: Partial<IngestOptions>, fail: () => boolean = () => false): Promise<Side> {
  const produced: OutMessage[][] = [];
  const app = await inProcessIngest(producer(produced, fail), {
    options,
    fastReports,
    services: { problemsOf: (id) => (id === 'nosuch' ? undefined : ['app', 'login']) },
  });
  const s: Side = { app, port: 0, agent: new Agent({ keepAlive: true, maxSockets: 1 }), produced, routed: 0 };
  app.addHook('onRequest', async () => {
    s.routed++;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  s.port = (app.server.address() as AddressInfo).port;
  open.push(s);
  return s;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const s of open.splice(0)) {
    s.agent.destroy();
    await s.app.close();
  }
});

interface Req {
  method?: string;
  url?: string;
  headers: OutgoingHttpHeaders;
  body: string | Buffer;
  /** Sent without content-length (chunked). */
  chunked?: boolean;
}
interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(s: Side, r: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    const headers = { ...r.headers, ...(r.chunked ? {} : { 'content-length': String(body.length) }) };
    const req = request({ host: '127.0.0.1', port: s.port, method: r.method ?? 'POST', path: r.url ?? '/v1/reports', headers, agent: s.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (r.chunked) {
      req.write(body.subarray(0, Math.floor(body.length / 2)));
      req.end(body.subarray(Math.floor(body.length / 2)));
    } else req.end(body);
  });
}

const withoutDate = (h: IncomingHttpHeaders) => {
  const { date: _date, ...rest } = h;
  return rest;
};

/** Sends r to both sides and expects the same answer; returns it. */
async function same(fast: Side, slow: Side, r: Req): Promise<Res> {
  const a = await send(fast, r);
  const b = await send(slow, r);
  const what = `${r.method ?? 'POST'} ${r.url ?? '/v1/reports'} ${JSON.stringify(r.headers)} ${String(r.body).slice(0, 120)}`;
  expect({ status: a.status, headers: withoutDate(a.headers), body: a.body }, what).toEqual({ status: b.status, headers: withoutDate(b.headers), body: b.body });
  return a;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Drawn requests to POST /v1/reports: mostly good, and every kind of bad. */
function drawn(n: number, seed: number): Req[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const id = () => `r-${Math.floor(r() * 1e9).toString(36)}`;
  const good = () => ({
    ...(r() < 0.7 ? { id: id() } : {}),
    serviceId: pick(['facebook', 'instagram', 'whatsapp']),
    problem: pick(['app', 'login', 'other']),
    reporterId: `u-${Math.floor(r() * 200)}`,
    ...(r() < 0.5 ? { text: pick(['down again', 'ça ne marche pas 😡', '', 'x'.repeat(500)]) } : {}),
    ...(r() < 0.3 ? { country: pick(['GB', 'DE', 'US']) } : {}),
    ...(r() < 0.3 ? { at: NOW - Math.floor(r() * 3_600_000) } : {}),
  });
  const type = () => pick([JSON_TYPE, JSON_TYPE, { 'content-type': 'application/json; charset=utf-8' }]);
  const kinds: Array<() => Req> = [
    () => ({ headers: type(), body: JSON.stringify(good()) }),
    () => ({ headers: type(), body: JSON.stringify(good()) }),
    () => ({ headers: type(), body: JSON.stringify(good()) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), serviceId: pick([1, null, '', 'FACEBOOK', 'nosuch', '../x']) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), problem: pick([0, 'crash', null, 'website']) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), text: pick(['x'.repeat(501), 'nul\u0000here', 5]) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), at: pick([-1, 1e20, 'now', NOW + 86_400_000, NOW - 30 * 86_400_000, 0.5]) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), country: pick(['gb', 'GBR', 1]) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), reporterId: pick(['', 7, 'a'.repeat(201), 'tab\there']) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), id: pick(['has space', '', 'x'.repeat(129)]) }) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), extra: 'field' }) }),
    () => ({ headers: type(), body: JSON.stringify(pick([null, 1, 'str', [], [good()]])) }),
    () => ({ headers: type(), body: `{"serviceId":"facebook","problem":"app","reporterId":"u","__proto__":{"admin":true}}` }),
    () => ({ headers: type(), body: `{"serviceId":"facebook","problem":"app","reporterId":"u","constructor":{"prototype":{"x":1}}}` }),
    () => ({ headers: type(), body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }),
    () => ({ headers: type(), body: JSON.stringify(good()).slice(0, Math.floor(r() * 40)) }),
    () => ({ headers: type(), body: '' }),
    () => ({ headers: type(), body: 'x'.repeat(64 * 1024 + Math.floor(r() * 3)) }),
    () => ({ headers: type(), body: JSON.stringify({ ...good(), text: 'y'.repeat(64 * 1024 - 100 + Math.floor(r() * 200)) }) }),
    () => ({ headers: type(), body: JSON.stringify(good()), chunked: true }),
    () => ({ headers: { 'content-type': pick(['text/plain', 'application/xml', 'Application/JSON', 'application/json;charset=UTF-8', 'application/x-ndjson']) }, body: JSON.stringify(good()) }),
    () => ({ headers: {}, body: JSON.stringify(good()) }),
    () => ({ url: pick(['/v1/reports?x=1', '/v1/reports/', '/V1/reports']), headers: type(), body: JSON.stringify(good()) }),
    () => ({ method: pick(['PUT', 'GET']), headers: type(), body: pick(['', JSON.stringify(good())]) }),
  ];
  const out: Req[] = [];
  for (let i = 0; i < n; i++) {
    const k = pick(kinds)();
    out.push(k);
    if (r() < 0.05) out.push(k); // the same report again: a duplicate
  }
  return out;
}

describe('POST /v1/reports: the fast path answers as fastify does', () => {
  it('gives the same answers and messages for 1,500 drawn requests (good, bad, oversize, wrong type, duplicates, reporter limit)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    const options = { reportsPerReporterPer15Min: 45, reportsPerIpPerMinute: 100_000 };
    const fast = await side(true, options);
    const slow = await side(false, options);
    const statuses = new Map<string, number>();
    const requests = drawn(1500, 17);
    for (const r of requests) {
      const res = await same(fast, slow, r);
      const code = res.status === 202 ? JSON.parse(res.body).status : `${res.status} ${JSON.parse(res.body).code}`;
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
    }
    // Every kind of answer was drawn.
    for (const k of ['accepted', 'duplicate', '400 BAD_FIELD', '400 BAD_JSON', '400 BAD_ENCODING', '400 FORBIDDEN_KEY', '400 UNKNOWN_SERVICE', '400 TIME_TOO_OLD', '400 TIME_IN_FUTURE', '400 BAD_TEXT', '400 UNKNOWN_PROBLEM', '413 BODY_TOO_LARGE', '415 UNSUPPORTED_CONTENT_TYPE', '429 REPORTER_RATE_LIMITED', '404 NOT_FOUND']) {
      expect(statuses.get(k) ?? 0, `${k} in ${JSON.stringify(Object.fromEntries(statuses))}`).toBeGreaterThan(0);
    }
    // The same messages, in the same order, as the same bytes (the test app hashes every reporter alike:
    // its reporter limit is 45 a service).
    expect(fast.produced.length).toBeGreaterThan(100);
    expect(fast.produced).toEqual(slow.produced);
    // The fast path took the requests it is for: fastify's router saw fewer of them, and all of the slow side's.
    expect(slow.routed).toBe(requests.length);
    expect(fast.routed).toBeLessThan(requests.length * 0.6);
    // The same counters.
    const counters = async (s: Side) => (await s.app.inject({ method: 'GET', url: '/metrics' })).body.split('\n').filter((l) => /^ingest_(accepted|rejected|duplicates)_total|^ingest_produce_duration_ms_count/.test(l));
    expect(await counters(fast)).toEqual(await counters(slow));
  }, 120_000);

  it('limits an address as fastify does: the x-ratelimit headers, then 429 with Retry-After, counted over both paths', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    const options = { reportsPerIpPerMinute: 25 };
    const fast = await side(true, options);
    const slow = await side(false, options);
    const requests = drawn(60, 5);
    let limited = 0;
    for (const [i, r] of requests.entries()) {
      if (i === 30) vi.setSystemTime(NOW + 17_500); // a later second of the same window
      const res = await same(fast, slow, r);
      if (res.status === 429) {
        limited++;
        expect(res.headers['retry-after']).toBe(i >= 30 ? '43' : '60');
        expect(JSON.parse(res.body).code).toBe('RATE_LIMITED');
      }
    }
    expect(limited).toBeGreaterThan(20);
    vi.setSystemTime(NOW + 60_000); // a new window
    const res = await same(fast, slow, { headers: JSON_TYPE, body: JSON.stringify({ serviceId: 'facebook', problem: 'app', reporterId: 'late' }) });
    expect(res.status).toBe(202);
    expect(res.headers['x-ratelimit-remaining']).toBe('24');
  });

  it('behind a trusted proxy, limits the X-Forwarded-For address as fastify does', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    const options = { reportsPerIpPerMinute: 4, trustProxy: true };
    const fast = await side(true, options);
    const slow = await side(false, options);
    const r = seededRandom(9);
    const statuses: number[] = [];
    for (let i = 0; i < 80; i++) {
      const client = `10.0.0.${Math.floor(r() * 6)}`;
      const xff = r() < 0.3 ? `${client}, 192.168.1.${Math.floor(r() * 3)}` : client;
      const res = await same(fast, slow, { headers: { ...JSON_TYPE, 'x-forwarded-for': xff }, body: JSON.stringify({ id: `r-p${i}`, serviceId: 'facebook', problem: 'app', reporterId: `u${i}` }) });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(10);
    expect(fast.routed).toBe(0);
    expect(fast.produced).toEqual(slow.produced);
  });

  it('answers 503 KAFKA_UNAVAILABLE with Retry-After as fastify does when Kafka fails', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    let down = true;
    const fast = await side(true, {}, () => down);
    const slow = await side(false, {}, () => down);
    const body = JSON.stringify({ id: 'r-kafka', serviceId: 'facebook', problem: 'app', reporterId: 'u' });
    const res = await same(fast, slow, { headers: JSON_TYPE, body });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    down = false;
    expect((await same(fast, slow, { headers: JSON_TYPE, body })).status).toBe(202);
    expect(fast.produced).toEqual(slow.produced);
  });

  it('sheds with 503 OVERLOADED as fastify does once a delay above the limit was measured', async () => {
    const fast = await side(true, { maxEventLoopDelayMs: 50 });
    const slow = await side(false, { maxEventLoopDelayMs: 50 });
    let measured = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5 && !(Number.isFinite(measured) && measured > 50); i++) {
      const end = Date.now() + 1300;
      while (Date.now() < end) {
        // busy: a starved event loop
      }
      await new Promise((r) => setTimeout(r, 20));
      measured = Math.min(fast.app.memoryUsage().eventLoopDelay, slow.app.memoryUsage().eventLoopDelay);
    }
    expect(measured).toBeGreaterThan(50);
    const res = await same(fast, slow, { headers: JSON_TYPE, body: JSON.stringify({ serviceId: 'facebook', problem: 'app', reporterId: 'u' }) });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).code).toBe('OVERLOADED');
    expect(fast.produced).toHaveLength(0);
  });
});
