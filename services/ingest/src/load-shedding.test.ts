/**
 * Load shedding (503 OVERLOADED) follows the measured event-loop delay, and only that: a stall
 * through the first sample interval after start, which leaves under-pressure with no measurement
 * at all (it says "infinite delay"), must not shed, while a measured delay above the limit must.
 */
import { describe, expect, it } from 'vitest';
import type { Producer } from '@downradar/common';
import { inProcessIngest } from './testing/in-process-app';

const producer: Producer = {
  stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
  connect: async () => undefined,
  close: async () => undefined,
  send: async () => undefined,
};

function app(maxEventLoopDelayMs: number) {
  return inProcessIngest(producer, { options: { maxEventLoopDelayMs } });
}

/** Keeps the event loop busy (no timer runs meanwhile), as a starved process on a busy machine. */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

const nextTick = () => new Promise((r) => setTimeout(r, 20));
const report = (id: string) => ({ id, serviceId: 'facebook', problem: 'app', reporterId: `u-${id}` });

describe('ingest load shedding', () => {
  it('does not shed after a stall through the first sample interval, when nothing was measured', async () => {
    const ingest = await app(2000);
    stall(1300); // past under-pressure's first 1-s sample, before the delay monitor's first tick
    await nextTick();
    const res = await ingest.inject({ method: 'POST', url: '/v1/reports', payload: report('r-1') });
    expect(res.statusCode, res.body).toBe(202);
    await ingest.close();
  });

  it('sheds with 503 OVERLOADED and Retry-After when the measured delay is above the limit', async () => {
    const ingest = await app(50);
    // Stall until the monitor has measured a delay (its first tick after start records none).
    let measured = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5 && !Number.isFinite(measured); i++) {
      stall(1300);
      await nextTick();
      measured = ingest.memoryUsage().eventLoopDelay;
    }
    expect(measured).toBeGreaterThan(50);
    expect(Number.isFinite(measured)).toBe(true);
    const res = await ingest.inject({ method: 'POST', url: '/v1/reports', payload: report('r-2') });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 'OVERLOADED' });
    await ingest.close();
  });
});
