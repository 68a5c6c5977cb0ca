/**
 * An NDJSON batch through the whole ingest app (fastify's inject) with nlp's understanding, a
 * producer that keeps what it is sent, and a fixed clock: the messages a batch writes and its
 * answer, for the tests that compare a one-pass line check with the general way
 * (report-line.test.ts, post-line.test.ts).
 */
import { expect } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger, hashApiKey, loadApiKeys, topicNames, type OutMessage, type Producer } from '@downradar/common';
import type { Understanding as Nlp } from '@downradar/nlp';
import { buildApp, type IngestDeps } from '../app';
import { roomyOptions } from './in-process-app';

export interface BatchThroughAppOptions {
  nlp: Pick<Nlp, 'signalForReport' | 'readPost'>;
  services: IngestDeps['services'];
  hashReporter: IngestDeps['hashReporter'];
  /** The feed key the batch is sent with. */
  key: string;
  now: number;
  batchMaxBytes: number;
}

export async function batchThroughApp(
  path: string,
  body: string,
  o: BatchThroughAppOptions,
): Promise<{ answer: { accepted: number; rejected: number; rejections: unknown[] }; messages: OutMessage[] }> {
  const messages: OutMessage[] = [];
  const producer: Producer = {
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    connect: async () => undefined,
    close: async () => undefined,
    send: async (ms: OutMessage[]) => void messages.push(...ms),
  };
  const app = await buildApp({
    options: { ...roomyOptions, batchMaxLines: 5000, batchMaxBytes: o.batchMaxBytes },
    producer,
    topics: topicNames('t'),
    understanding: { signalForReport: (r) => o.nlp.signalForReport(r), readPost: (p) => o.nlp.readPost(p, p.receivedAt) },
    services: o.services,
    hashReporter: o.hashReporter,
    apiKeys: loadApiKeys({ hashes: [`${hashApiKey(o.key)}:feed`] }),
    logger: createLogger('test', 'silent'),
    registry: new Registry(),
    kafkaReady: async () => true,
    now: () => o.now,
  });
  try {
    const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-ndjson', 'x-api-key': o.key }, payload: body });
    expect(res.statusCode).toBe(202);
    return { answer: res.json(), messages };
  } finally {
    await app.close();
  }
}
