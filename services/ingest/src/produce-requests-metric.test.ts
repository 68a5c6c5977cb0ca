import { describe, expect, it } from 'vitest';
import type { Producer } from '@downradar/common';
import { inProcessIngest } from './testing/in-process-app';

describe('/metrics', () => {
  it("reports the producer's acknowledged produce requests and their messages (how many events share one request)", async () => {
    const producer: Producer = {
      send: async () => undefined,
      connect: async () => undefined,
      close: async () => undefined,
      stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    };
    const app = await inProcessIngest(producer);
    const value = async (count: string) => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(text.match(new RegExp(`^ingest_kafka_produce_requests\\{count="${count}"[^}]*\\} (\\S+)`, 'm'))?.[1]);
    };
    expect(await value('requests')).toBe(0);
    producer.stats.sentBatches = 3;
    producer.stats.sentMessages = 7;
    expect(await value('requests')).toBe(3);
    expect(await value('messages')).toBe(7);
    await app.close();
  });
});
