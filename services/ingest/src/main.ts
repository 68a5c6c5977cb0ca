import { exitOnConfigError, loadConfig, onShutdown } from '@downradar/common';
import { ingestConfigSpec } from './config';
import { createIngest } from './wiring';

const config = (() => {
  try {
    return loadConfig(ingestConfigSpec);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const { app, logger } = await createIngest(config);
app.server.keepAliveTimeout = 65_000;
app.server.requestTimeout = 30_000;
await app.listen({ host: config.ingestHost, port: config.ingestPort });
logger.info({ url: `http://${config.ingestHost}:${config.ingestPort}` }, 'ingest listening');
onShutdown(logger, [() => app.close()]);
