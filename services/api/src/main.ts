/** Starts the read API: `npm run start --workspace services/api`. The wiring lives in app.ts. */
import { createClickHouse, createKafka, createLogger, exitOnConfigError, loadConfig, onShutdown, servicesAccount } from '@downradar/common';
import { loadCatalog } from '../../../schemas/catalog/index';
import { buildApp } from './app';
import { apiCatalog } from './catalog';
import { apiConfigSpec } from './config';

const config = (() => {
  try {
    return loadConfig(apiConfigSpec);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const logger = createLogger('api', config.logLevel);
const clickhouse = createClickHouse({
  url: config.clickhouseUrl,
  database: config.clickhouseDatabase,
  ...servicesAccount(config),
  requestTimeoutMs: config.apiQueryTimeoutMs + 2000,
  logger,
});
const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'downradar-api', logger });

const app = await buildApp({
  config,
  clickhouse,
  catalog: apiCatalog(loadCatalog().services),
  logger,
  kafka,
  fastify: {
    // A client has 30 s to send its request; idle keep-alive sockets close after 65 s (above
    // the 60 s of common proxies). SSE responses are not bounded: they are kept open by pings.
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    connectionTimeout: 0,
  },
});

onShutdown(logger, [
  async () => app.close(),
  async () => clickhouse.close(),
]);

try {
  const address = await app.listen({ port: config.apiPort, host: config.apiHost });
  logger.info({ address, dashboard: `${address}/`, docs: `${address}/docs` }, 'api listening');
} catch (err) {
  logger.fatal({ err }, 'api could not start');
  process.exit(1);
}
