import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createProducer } from './producer';

/**
 * A stand-in for kafkajs: records every sendBatch request and fails the ones `fail` says.
 * `producers` counts the kafkajs producers created (a new one = a new producer id).
 */
function fakeKafka(fail: (request: number) => Error | undefined, delayMs = 0) {
  const requests: { producer: number; values: string[] }[] = [];
  let producers = 0;
  const kafka = {
    producer: () => {
      const id = ++producers;
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async ({ topicMessages }: { topicMessages: { messages: { value: string }[] }[] }) => {
          await new Promise((r) => setTimeout(r, delayMs));
          requests.push({ producer: id, values: topicMessages.flatMap((t) => t.messages.map((m) => m.value)) });
          const err = fail(requests.length);
          if (err) throw err;
          return [];
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, requests, producers: () => producers };
}

const connectionError = () => Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
const msg = (value: string) => ({ topic: 't', key: 'k', value });

describe('createProducer', () => {
  it('withdraws a message from the queue when the caller gives up before it was sent', async () => {
    const fake = fakeKafka(() => undefined, 50);
    const producer = createProducer({ kafka: fake.kafka });
    const first = producer.send([msg('a')]);
    await new Promise((r) => setTimeout(r, 5)); // 'a' is now in a request
    const giveUp = new AbortController();
    const second = producer.send([msg('b')], { signal: giveUp.signal });
    giveUp.abort();
    await expect(second).rejects.toMatchObject({ code: 'NOT_SENT', retriable: true });
    await first;
    await producer.close();
    expect(fake.requests.map((r) => r.values)).toEqual([['a']]);
  });

  it('lets a request already sent run its course when the caller gives up', async () => {
    const fake = fakeKafka(() => undefined, 50);
    const producer = createProducer({ kafka: fake.kafka });
    const giveUp = new AbortController();
    const sent = producer.send([msg('a')], { signal: giveUp.signal });
    await new Promise((r) => setTimeout(r, 5));
    giveUp.abort();
    await expect(sent).resolves.toBeUndefined();
    await producer.close();
  });

  it('retries a failed send within its retry budget as a whole new send (kafkajs itself does not retry)', async () => {
    const fake = fakeKafka((n) => (n <= 2 ? connectionError() : undefined));
    const producer = createProducer({ kafka: fake.kafka, retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 5 } });
    await producer.send([msg('a'), msg('b')]);
    await producer.close();
    expect(fake.requests).toEqual([
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
    ]);
  });

  it('after its retries fails the callers of a failed request and starts a new producer id', async () => {
    const fake = fakeKafka((n) => (n === 1 ? connectionError() : undefined));
    const producer = createProducer({ kafka: fake.kafka, retry: { retries: 0 } });
    await expect(producer.send([msg('a')])).rejects.toMatchObject({ name: 'InfraError' });
    await producer.send([msg('b')]);
    await producer.close();
    expect(fake.requests).toEqual([
      { producer: 1, values: ['a'] },
      { producer: 2, values: ['b'] },
    ]);
  });

  it('with retryFailedRequests sends the very same request again with the same producer until the broker takes it', async () => {
    const fake = fakeKafka((n) => (n <= 3 ? connectionError() : undefined), 10);
    const producer = createProducer({ kafka: fake.kafka, retryFailedRequests: true });
    const a = producer.send([msg('a'), msg('b')]);
    await new Promise((r) => setTimeout(r, 5));
    const c = producer.send([msg('c')]);
    await Promise.all([a, c]);
    await producer.close();
    // 'c' waited behind the failing request instead of taking its sequence numbers.
    expect(fake.requests).toEqual([
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['a', 'b'] },
      { producer: 1, values: ['c'] },
    ]);
  });

  it('with retryFailedRequests still gives up when the broker lost the sequence, and on close', async () => {
    const outOfOrder = Object.assign(new Error('out of order'), { name: 'KafkaJSProtocolError', type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false });
    const fake = fakeKafka((n) => (n === 1 ? outOfOrder : undefined));
    const producer = createProducer({ kafka: fake.kafka, retryFailedRequests: true });
    await expect(producer.send([msg('a')])).rejects.toMatchObject({ name: 'InfraError' });
    expect(fake.producers()).toBe(2);

    const down = fakeKafka(() => connectionError());
    const closing = createProducer({ kafka: down.kafka, retryFailedRequests: true });
    const pending = closing.send([msg('x')]);
    await new Promise((r) => setTimeout(r, 20));
    await closing.close();
    await expect(pending).rejects.toMatchObject({ name: 'InfraError' });
    await producer.close();
  });
});
