/**
 * A client that retries after a 503 must not make Kafka hold its report twice: when the first
 * send is still in a request to the broker (which may already have written it), the retry waits
 * for that send instead of producing the report again. (The broker-kill fault drill in
 * tests/reliability shows the same against a real broker.)
 */
import { describe, expect, it } from 'vitest';
import type { OutMessage, Producer, SendOptions } from '@downradar/common';
import { inProcessIngest } from './testing/in-process-app';

function controlledProducer() {
  const sends: { messages: OutMessage[]; resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal }[] = [];
  const producer: Producer = {
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    connect: async () => undefined,
    close: async () => undefined,
    send: (messages: OutMessage[], opts?: SendOptions) =>
      new Promise<void>((resolve, reject) => {
        sends.push({ messages, resolve, reject, ...(opts?.signal ? { signal: opts.signal } : {}) });
      }),
  };
  return { producer, sends };
}

function app(producer: Producer) {
  return inProcessIngest(producer, { options: { produceTimeoutMs: 100 } });
}

const report = { id: 'r-1', serviceId: 'facebook', problem: 'app', reporterId: 'u' };

describe('ingest: a retried report whose first send is still on its way', () => {
  it('waits for that send instead of producing the report a second time', async () => {
    const { producer, sends } = controlledProducer();
    const ingest = await app(producer);
    const first = await ingest.inject({ method: 'POST', url: '/v1/reports', payload: report });
    expect(first.statusCode).toBe(503);
    expect(sends).toHaveLength(1);
    // The producer still has the request out (it repeats it until the broker answers).
    const retry = ingest.inject({ method: 'POST', url: '/v1/reports', payload: report });
    await new Promise((r) => setTimeout(r, 20));
    sends[0]!.resolve();
    const second = await retry;
    expect(second.statusCode).toBe(202);
    expect(sends).toHaveLength(1);
    // And afterwards the id is known as stored.
    const third = await ingest.inject({ method: 'POST', url: '/v1/reports', payload: report });
    expect(third.json()).toMatchObject({ status: 'duplicate' });
    expect(sends).toHaveLength(1);
    await ingest.close();
  });

  it('gives up on its send when answering 503, and produces again on a retry once that send failed', async () => {
    const { producer, sends } = controlledProducer();
    const ingest = await app(producer);
    const first = await ingest.inject({ method: 'POST', url: '/v1/reports', payload: report });
    expect(first.statusCode).toBe(503);
    expect(sends[0]!.signal?.aborted).toBe(true);
    sends[0]!.reject(new Error('not sent'));
    await new Promise((r) => setTimeout(r, 5));
    const retry = ingest.inject({ method: 'POST', url: '/v1/reports', payload: report });
    await new Promise((r) => setTimeout(r, 20));
    expect(sends).toHaveLength(2);
    sends[1]!.resolve();
    expect((await retry).statusCode).toBe(202);
    await ingest.close();
  });
});
