import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer, type SeenRequest } from './recording-server';
import { parseWrkResult, wrkPath, wrkSingleLoad } from './wrk-load';

/** Answers 202, or 400 to bodies marked bad; records what it got. */
let server: RecordingServer;
let port = 0;
let seen: SeenRequest[] = [];

beforeAll(async () => {
  server = await startRecordingServer((body, res) => {
    const parsed = JSON.parse(body) as { bad?: boolean };
    res.writeHead(parsed.bad ? 400 : 202, { 'content-type': 'application/json' }).end('{}');
  });
  port = server.port;
  seen = server.seen;
});

afterAll(() => server.close());

describe('parseWrkResult', () => {
  it('reads the result line among wrk\'s own output', () => {
    const r = parseWrkResult('Running 1s test\n  1 threads\nWRK_RESULT requests=10 duration_us=1000000 p50_us=300 p99_us=900 max_us=1000 status_errors=1 connect_errors=0 read_errors=0 write_errors=0 timeouts=2\n');
    expect(r).toMatchObject({ requests: 10, duration_us: 1_000_000, p50_us: 300, p99_us: 900, status_errors: 1, timeouts: 2 });
  });
  it('fails when there is none', () => {
    expect(() => parseWrkResult('wrk: unknown option')).toThrow(/no result/);
  });
});

// wrk is installed by infra/setup.sh (npm test runs it first): without it this fails, it is not skipped.
describe('wrkSingleLoad', () => {
  it('is installed', () => {
    expect(wrkPath()).toMatch(/wrk$/);
  });

  for (const threads of [1, 2]) {
    it(`sends bodies with unique numbers, the template's fields and the headers, and counts answers >= 400 (${threads} thread(s))`, async () => {
      seen.length = 0;
      const r = await wrkSingleLoad({
        port,
        path: '/v1/reports',
        seconds: 1,
        concurrency: 4,
        threads,
        period: 4,
        template: (k) => JSON.stringify({ id: 'r-{i}', k, reporter: 'p-{i}', bad: k === 3, text: 'é ünïcode ✓' }),
        headers: { 'x-api-key': 'k1' },
      });
      expect(seen.length).toBeGreaterThan(50);
      const bodies = seen.map((s) => JSON.parse(s.body) as { id: string; k: number; reporter: string; bad: boolean; text: string });
      // every request its own number, and its template the number mod the period
      expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
      for (const b of bodies) {
        const i = Number(b.id.slice(2));
        expect(b.k).toBe(i % 4);
        expect(b.reporter).toBe(`p-${i}`);
        expect(b.text).toBe('é ünïcode ✓');
      }
      expect(seen.every((s) => s.path === '/v1/reports' && s.type === 'application/json' && s.key === 'k1')).toBe(true);
      // wrk counts what was answered before it stopped; the server may have got a few more
      expect(r.requests).toBeLessThanOrEqual(seen.length);
      expect(r.requests).toBeGreaterThan(seen.length - 8);
      const bad = bodies.filter((b) => b.bad).length;
      expect(r.notAccepted).toBeGreaterThan(0);
      expect(Math.abs(r.notAccepted - bad)).toBeLessThanOrEqual(4);
      expect(r.perS).toBeGreaterThan(0);
      expect(r.p99).toBeGreaterThanOrEqual(r.p50);
      expect(r.loaderCpuUs).toBeGreaterThan(0);
    });
  }
});
