import { clusterRole, createLogger, dataDir, exitOnConfigError, loadConfig, onShutdown, runPrimary } from '@downradar/common';
import { ingestConfigSpec } from './config';
import { loadOrCreateSalt } from './reporter-hash';
import { createIngest } from './wiring';

const config = (() => {
  try {
    return loadConfig(ingestConfigSpec);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const role = clusterRole(config.ingestProcesses);
if (role.primary) {
  // Several processes sharing the port (DOWNRADAR_INGEST_PROCESSES). The salt is created here,
  // once: workers creating it at the same time would hash the same reporter differently.
  const logger = createLogger('ingest', config.logLevel);
  loadOrCreateSalt(config.reporterSalt, `${dataDir}/reporter-salt`);
  process.exit(await runPrimary({ name: 'ingest', processes: role.processes, logger, stopTimeoutMs: config.produceTimeoutMs + 20_000 }));
}
const { app, logger } = await createIngest(config);
app.server.keepAliveTimeout = 65_000;
app.server.requestTimeout = 30_000;
await app.listen({ host: config.ingestHost, port: config.ingestPort });
logger.info({ url: `http://${config.ingestHost}:${config.ingestPort}`, worker: role.processes > 1 ? role.index : undefined }, 'ingest listening');
onShutdown(logger, [() => app.close()]);
