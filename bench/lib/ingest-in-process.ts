/**
 * Ingest's real app (app.ts with the catalog, nlp's understanding as wiring.ts builds it, the
 * reporter HMAC, the dedupe set, produce.ts) in this process, with a producer that acknowledges
 * every send on the next turn of the event loop instead of Kafka: what the in-process CPU benches
 * (ingest-batch-cpu.ts, ingest-handler-cpu.ts) drive through fastify's `inject`.
 */
import { Registry } from 'prom-client';
import { createLogger, loadApiKeys, reporterHasher, topicNames, type OutMessage, type Producer } from '@downradar/common';
import { createUnderstanding } from '@downradar/nlp';
import { loadCatalog } from '../../schemas/catalog/index';
import { buildApp } from '../../services/ingest/src/app';

const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];
const PROBLEMS = ['app', 'server_connection', 'other'];

/** Report i of a run, as JSON (ids start with `prefix`, so runs never collide in the dedupe set). */
export function reportJson(prefix: string, i: number, run: number): string {
  return JSON.stringify({ id: `${prefix}${run}-${i}`, serviceId: SERVICES[i % SERVICES.length], problem: PROBLEMS[i % PROBLEMS.length], reporterId: `reporter-${i}`, country: 'US', text: 'app keeps crashing since this afternoon' });
}

/** What a caller may set beyond the benches' defaults (ingest-day-lines.ts: a whole day's requests, each message recorded). */
export interface InProcessOptions {
  /** Called with every send's messages before it is acknowledged. */
  onSend?(messages: OutMessage[]): void;
  topicPrefix?: string;
  batchMaxBytes?: number;
  produceTimeoutMs?: number;
  maxEventLoopDelayMs?: number;
  /** A fixed clock (default: Date.now). */
  now?: () => number;
}

export async function inProcessIngest(apiKeyHashes: string[] = [], o: InProcessOptions = {}): Promise<{ app: Awaited<ReturnType<typeof buildApp>>; sentMessages(): number }> {
  let sent = 0;
  const producer: Producer = {
    send: (messages) => {
      sent += messages.length;
      o.onSend?.(messages);
      return new Promise((resolve) => setImmediate(resolve));
    },
    connect: async () => undefined,
    close: async () => undefined,
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
  };
  const catalog = loadCatalog();
  const nlp = createUnderstanding({ catalog });
  const app = await buildApp({
    options: { reportsPerIpPerMinute: 1e9, reportsPerReporterPer15Min: 1e6, batchMaxLines: 10_000, batchMaxBytes: o.batchMaxBytes ?? 5 << 20, produceTimeoutMs: o.produceTimeoutMs ?? 5000, maxEventLoopDelayMs: o.maxEventLoopDelayMs ?? 60_000, trustProxy: false },
    producer,
    topics: topicNames(o.topicPrefix ?? 'bench'),
    // as wiring.ts builds it
    understanding: { signalForReport: (r) => nlp.signalForReport(r), readPost: (p) => nlp.readPost(p, p.receivedAt) },
    services: { problemsOf: (id) => catalog.get(id)?.problems },
    hashReporter: reporterHasher('bench-salt'),
    apiKeys: loadApiKeys({ hashes: apiKeyHashes }),
    logger: createLogger('bench', 'warn'),
    registry: new Registry(),
    kafkaReady: async () => true,
    ...(o.now ? { now: o.now } : {}),
  });
  await app.ready();
  return { app, sentMessages: () => sent };
}
