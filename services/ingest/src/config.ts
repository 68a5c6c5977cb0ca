import { baseConfig, bool, DEFAULT_PRODUCERS, defineConfig, int, optionalStr, str, list } from '@downradar/common';

export const ingestConfigSpec = defineConfig({
  ...baseConfig,
  ingestHost: str('address the ingest API listens on', '127.0.0.1'),
  ingestPort: int('port of the ingest API', 8081, 0, 65535),
  ingestProcesses: int(
    'processes of ingest sharing the port (one per core); rate limits and the recent-id memory are then per process',
    1,
    1,
    64,
  ),
  apiKeyHashes: list('SHA-256 hashes of API keys allowed on batch and post endpoints', []),
  apiKeysFile: optionalStr('file with one "name:sha256" per line (default .data/api-keys)'),
  reporterSalt: optionalStr('secret salt for hashing reporter ids (default: generated once into .data/reporter-salt)', { secret: true }),
  reportsPerIpPerMinute: int('rate limit of POST /v1/reports per client address', 6000, 1, 10_000_000),
  reportsPerReporterPer15Min: int('rate limit of POST /v1/reports per reporter id', 20, 1, 1_000_000),
  batchMaxLines: int('most lines in one NDJSON batch', 10_000, 1, 1_000_000),
  batchMaxBytes: int('largest NDJSON batch body in bytes', 5 * 1024 * 1024, 1024, 512 * 1024 * 1024),
  producerLingerMs: int('how long the producer waits to coalesce sends', 1, 0, 1000),
  producerMaxRequestBytes: int('most bytes in one produce request over all partitions (each partition at most 900,000)', 8 * 1024 * 1024, 100_000, 64 * 1024 * 1024),
  producerFlushOnAck: bool('after an acknowledgement, send what queued during the request on the next turn instead of lingering again', false),
  producerConnections: int('idempotent Kafka producers sending at once, each with its own connection and one request in flight; partition p is always sent by producer p mod this, so each partition keeps its order', DEFAULT_PRODUCERS, 1, 16),
  produceTimeoutMs: int('give up on Kafka (503) after this long', 5000, 100, 120_000),
  maxEventLoopDelayMs: int('shed load (503) when the event loop lags more than this', 2000, 10, 60_000),
  trustProxy: bool('trust X-Forwarded-For for the client address', false),
  ingestFastReports: bool('answer POST /v1/reports in node\'s request handler before fastify (the same answers; off: fastify answers it)', true),
});
