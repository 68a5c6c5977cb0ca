/**
 * The detector's HTTP surface on common's shell: the checks, and /debug/baseline's query (a query
 * string is text: minuteOfWeek must reach the handler as the integer its schema says).
 */
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@downradar/common';
import { createDetectorHttp, detectorRoutes } from './http';

async function app() {
  const asked: Array<[string, number]> = [];
  const http = createDetectorHttp();
  await http.register(detectorRoutes, {
    registry: createMetricsRegistry('detector-test', false),
    handlers: {
      live: () => ({ ok: true, status: 'running' }),
      ready: () => ({ ok: false, status: 'starting' }),
      status: async () => ({ ok: true }),
      baseline: async (service, minuteOfWeek) => {
        asked.push([service, minuteOfWeek]);
        return service === 'netflix' ? { partition: 0, expectedPerMinute: 1.5 } : undefined;
      },
    },
  });
  return { http, asked };
}

describe('detector HTTP', () => {
  it('answers a baseline for a minute given as query text, as a number', async () => {
    const { http, asked } = await app();
    const res = await http.inject({ url: '/debug/baseline?service=netflix&minuteOfWeek=900' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ partition: 0, expectedPerMinute: 1.5 });
    expect(asked).toEqual([['netflix', 900]]);
  });

  it('refuses a minute outside the week with 400 naming the field, and an unscored service with 404', async () => {
    const { http, asked } = await app();
    const bad = await http.inject({ url: '/debug/baseline?service=netflix&minuteOfWeek=10080' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ statusCode: 400, field: 'minuteOfWeek' });
    const other = await http.inject({ url: '/debug/baseline?service=slack&minuteOfWeek=1' });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'NOT_SCORED_HERE', field: 'service' });
    expect(asked).toEqual([['slack', 1]]);
  });

  it('serves the checks with 200 when ok and 503 when not', async () => {
    const { http } = await app();
    expect((await http.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await http.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ ok: false, status: 'starting' });
  });
});
