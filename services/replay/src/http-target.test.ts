import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTarget, retryAfterMs } from './http-target';
import type { ReplayReport } from './generator';
import { ReplayTargetError, type ReplayEvent } from './target';

interface Seen {
  path: string;
  /** the client's port: the same for requests on one kept-alive connection */
  port: number | undefined;
  headers: IncomingMessage['headers'];
  lines: unknown[];
}

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

/** A local HTTP server answering each request with the next scripted answer. */
async function ingestStub(script: { status: number; headers?: Record<string, string>; body?: unknown }[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let i = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      seen.push({ path: req.url ?? '', port: req.socket.remotePort, headers: req.headers, lines });
      const answer = script[Math.min(i++, script.length - 1)]!;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? { accepted: lines.length, duplicates: 0, rejected: 0, rejections: [] }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const report = (i: number): ReplayReport => ({ id: `r${i}`, serviceId: 'facebook', problem: 'website', at: 1633362240000 + i, reporterId: `u${i}`, country: 'US' });
/** Reports as a batch of replay events, in emission order. */
const batch = (...reports: ReplayReport[]): ReplayEvent[] => reports.map((r) => ({ kind: 'report', report: r, emitAt: r.at }));

describe('http target', () => {
  it('posts a batch as one NDJSON request of reports and posts in emission order, with the API key and the replay header', async () => {
    const { url, seen } = await ingestStub([{ status: 202 }]);
    const t = createHttpTarget({ ingestUrl: url + '/', apiKey: 'drk_test' });
    const post = { id: 'p1', at: report(1).at + 1, text: 'is facebook down?', source: 'twitter', authorHash: 'a1' };
    await t.send([...batch(report(1)), { kind: 'post', post, emitAt: post.at }, ...batch(report(2))]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/v1/events/batch');
    expect(seen[0]!.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]!.headers['x-api-key']).toBe('drk_test');
    expect(seen[0]!.headers['x-downradar-replay']).toBe('1');
    expect(seen[0]!.lines).toEqual([{ report: report(1) }, { post }, { report: report(2) }]);
    expect(t.stats).toMatchObject({ accepted: 3, retries: 0 });
  });

  it('retries 503 and 429, honouring Retry-After, then succeeds', async () => {
    const { url, seen } = await ingestStub([
      { status: 503, headers: { 'retry-after': '0' }, body: { code: 'OVERLOADED' } },
      { status: 429, headers: { 'retry-after': '1' }, body: { code: 'RATE_LIMITED' } },
      { status: 202, body: { accepted: 1, duplicates: 0, rejected: 0, rejections: [] } },
    ]);
    const waits: number[] = [];
    const t = createHttpTarget({ ingestUrl: url, baseDelayMs: 5, sleep: async (ms) => void waits.push(ms) });
    await t.send(batch(report(1)));
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([5, 1000]); // Retry-After 0 -> the floor, 1 -> 1 s
    expect(t.stats).toMatchObject({ retries: 2, accepted: 1 });
  });

  it('gives up after maxAttempts with a retriable error', async () => {
    const { url } = await ingestStub([{ status: 503 }]);
    const t = createHttpTarget({ ingestUrl: url, maxAttempts: 3, sleep: async () => {} });
    const err = await t.send(batch(report(1))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayTargetError);
    expect((err as ReplayTargetError).retriable).toBe(true);
    expect((err as Error).message).toMatch(/failed 3 times/);
  });

  it('does not retry other refusals and says what the receiver said', async () => {
    const { url, seen } = await ingestStub([{ status: 401, body: { code: 'UNAUTHORIZED', message: 'a valid API key is required' } }]);
    const t = createHttpTarget({ ingestUrl: url, sleep: async () => {} });
    const err = (await t.send(batch(report(1))).catch((e: unknown) => e)) as ReplayTargetError;
    expect(seen).toHaveLength(1);
    expect(err.retriable).toBe(false);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/UNAUTHORIZED.*--api-key/s);
  });

  it('retries a refused connection', async () => {
    const t = createHttpTarget({ ingestUrl: 'http://127.0.0.1:1', maxAttempts: 2, sleep: async () => {} });
    const err = (await t.send(batch(report(1))).catch((e: unknown) => e)) as ReplayTargetError;
    expect(err.retriable).toBe(true);
    expect(t.stats.retries).toBe(1);
  });

  it('sends text outside ASCII byte for byte, its batches on one kept-alive connection', async () => {
    const { url, seen } = await ingestStub([{ status: 202 }]);
    const t = createHttpTarget({ ingestUrl: url });
    const text = 'ça ne marche pas 🙃 فيسبوك لا يعمل';
    const post = { id: 'p2', at: report(1).at, text, source: 'twitter', authorHash: 'a2' };
    await t.send([{ kind: 'post', post, emitAt: post.at }]);
    await t.send(batch(report(3)));
    await t.close();
    expect(seen.map((s) => s.lines)).toEqual([[{ post }], [{ report: report(3) }]]);
    expect(Number(seen[0]!.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify({ post }) + '\n'));
    expect(seen[1]!.port).toBe(seen[0]!.port);
  });

  it('retries a request that gets no answer within timeoutMs', async () => {
    let requests = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (++requests === 1) return; // the first request is never answered
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: 1 }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const reasons: string[] = [];
    const t = createHttpTarget({
      ingestUrl: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`,
      timeoutMs: 200,
      sleep: async () => {},
      onRetry: (r) => reasons.push(r.reason),
    });
    await t.send(batch(report(1)));
    await t.close();
    expect(requests).toBe(2);
    expect(t.stats).toMatchObject({ retries: 1, accepted: 1 });
    expect(reasons[0]).toMatch(/TimeoutError: no answer within 200 ms/);
  });

  it('sends through the fetch it is given instead of node\'s client', async () => {
    const calls: { url: string; body: string }[] = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push({ url, body: Buffer.from(init.body as Uint8Array).toString('utf8') });
      return new Response(JSON.stringify({ accepted: 1, duplicates: 0, rejected: 0 }), { status: 202, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    const t = createHttpTarget({ ingestUrl: 'http://ingest.invalid', fetch: fake });
    await t.send(batch(report(4)));
    expect(calls).toEqual([{ url: 'http://ingest.invalid/v1/events/batch', body: JSON.stringify({ report: report(4) }) + '\n' }]);
    expect(t.stats).toMatchObject({ accepted: 1 });
  });

  it('keeps the first rejections as notes', async () => {
    const { url } = await ingestStub([
      { status: 202, body: { accepted: 1, duplicates: 0, rejected: 1, rejections: [{ line: 2, code: 'UNKNOWN_SERVICE', field: 'serviceId', reason: 'is not in the catalog' }] } },
    ]);
    const t = createHttpTarget({ ingestUrl: url });
    await t.send(batch(report(1), report(2)));
    expect(t.stats).toMatchObject({ accepted: 1, rejected: 1 });
    expect(t.notes[0]).toMatch(/UNKNOWN_SERVICE serviceId/);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('5')).toBe(5000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(retryAfterMs('Mon, 01 Jan 2024 00:00:10 GMT', now)).toBe(10_000);
  });
});
