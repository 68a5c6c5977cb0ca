import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer, type SeenRequest } from './recording-server';
import { rawSingleLoad } from './raw-http-load';

/** Answers 202 with a small body, or 400 with a longer one for bodies marked bad, the answer sometimes in several writes. */
let server: RecordingServer;
let port = 0;
let seen: SeenRequest[] = [];

beforeAll(async () => {
  server = await startRecordingServer((body, res) => {
    const parsed = JSON.parse(body) as { i: number; bad?: boolean };
    if (parsed.bad) {
      const text = JSON.stringify({ code: 'BAD_FIELD', message: 'x'.repeat(5000), i: parsed.i });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      // In pieces, so the loader has to wait for the whole answer.
      res.write(text.slice(0, 10));
      setTimeout(() => res.end(text.slice(10)), 5);
      return;
    }
    const text = JSON.stringify({ id: String(parsed.i), status: 'accepted' });
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  port = server.port;
  seen = server.seen;
});

afterAll(() => server.close());

describe('rawSingleLoad', () => {
  it('sends every body once with its headers, and counts the answers that are not 202 with the first one', async () => {
    seen.length = 0;
    const n = 500;
    const r = await rawSingleLoad({
      port,
      path: '/v1/reports',
      n,
      concurrency: 8,
      body: (i) => JSON.stringify({ i, bad: i % 100 === 7, text: 'é ünïcode ✓' }),
      headers: { 'x-api-key': 'k1' },
    });
    expect(seen).toHaveLength(n);
    expect(new Set(seen.map((s) => (JSON.parse(s.body) as { i: number }).i)).size).toBe(n);
    expect(seen.every((s) => s.path === '/v1/reports' && s.type === 'application/json' && s.key === 'k1')).toBe(true);
    expect(seen.every((s) => s.body.includes('é ünïcode ✓'))).toBe(true);
    expect(r.notAccepted).toBe(5);
    expect(r.firstBad).toMatch(/^400 \{"code":"BAD_FIELD"/);
    expect(r.perS).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
  });

  it('fails when the server closes a connection instead of answering', async () => {
    const closing = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => closing.listen(0, '127.0.0.1', r));
    const p = (closing.address() as AddressInfo).port;
    await expect(rawSingleLoad({ port: p, path: '/', n: 3, concurrency: 1, body: () => '{}' })).rejects.toThrow(/closed|ECONNRESET/);
    await new Promise((r) => closing.close(r));
  });
});
