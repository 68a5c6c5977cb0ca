/**
 * Ingest's app in-process for unit tests: a producer the test provides, a one-service catalog
 * (every service has the problem `app`), a fixed reporter hash and a signal per report without
 * the nlp model. Options are roomy by default; a test overrides the ones it is about.
 */
import { Registry } from 'prom-client';
import { createLogger, loadApiKeys, topicNames, type ApiKeyStore, type Producer } from '@downradar/common';
import type { SignalEvent } from '../../../../schemas/events/index';
import { buildApp, type IngestOptions } from '../app';
import type { ServiceLookup } from '../steps';

export const roomyOptions: IngestOptions = {
  reportsPerIpPerMinute: 1000,
  reportsPerReporterPer15Min: 1000,
  batchMaxLines: 100,
  batchMaxBytes: 1 << 20,
  produceTimeoutMs: 1000,
  maxEventLoopDelayMs: 10_000,
  trustProxy: false,
};

export function inProcessIngest(
  producer: Producer,
  opts: { options?: Partial<IngestOptions>; apiKeys?: ApiKeyStore; fastReports?: boolean; services?: ServiceLookup } = {},
) {
  return buildApp({
    options: { ...roomyOptions, ...opts.options },
    producer,
    topics: topicNames('t'),
    understanding: {
      // A report's signal as the real understanding makes it (every required field: it is written in the binary form).
      signalForReport: (r): SignalEvent => ({
        id: r.id,
        sourceId: r.id,
        serviceId: r.serviceId,
        kind: 'report',
        at: r.at,
        receivedAt: r.receivedAt,
        outage: true,
        problem: r.problem,
        confidence: 1,
        reporterHash: r.reporterHash,
        hashtags: [],
        evidence: [`report button: ${r.problem}`],
      }),
      readPost: () => ({ language: 'und', signals: [] }),
    },
    services: opts.services ?? { problemsOf: () => ['app'] },
    hashReporter: () => 'h'.repeat(32),
    apiKeys: opts.apiKeys ?? loadApiKeys({}),
    logger: createLogger('test', 'silent'),
    registry: new Registry(),
    kafkaReady: async () => true,
    ...(opts.fastReports === undefined ? {} : { fastReports: opts.fastReports }),
  });
}
