/** `npm run start --workspace services/sink`: the sink process. */
import { clusterRole, createLogger, describeConfig, exitOnConfigError, loadConfig, onShutdown, runPrimary } from '@downradar/common';
import { buildSink, migrateSinkSchema } from './app';
import { sinkConfigSpec } from './config';

if (process.argv.includes('--help')) {
  console.log(`downradar sink: every topic -> ClickHouse\n\n${describeConfig(sinkConfigSpec)}`);
  process.exit(0);
}
const config = (() => {
  try {
    return loadConfig(sinkConfigSpec);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const logger = createLogger('sink', config.logLevel);
const role = clusterRole(config.sinkProcesses);
if (role.primary) {
  // Several processes (DOWNRADAR_SINK_PROCESSES): migrate once here, then fork the workers.
  try {
    if (config.sinkMigrate) await migrateSinkSchema(config, logger);
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'sink failed to start');
    process.exit(1);
  }
  process.exit(await runPrimary({ name: 'sink', processes: role.processes, logger, env: { DOWNRADAR_SINK_MIGRATE: 'false' }, stopTimeoutMs: config.sinkInsertTimeoutMs + 15_000 }));
}
const sink = buildSink(config, { logger });
// The drain (stop fetching, finish and commit the batch in hand) can wait on a ClickHouse
// request; give it the insert timeout plus a margin before the exit is forced.
onShutdown(logger, [() => sink.stop()], config.sinkInsertTimeoutMs + 10_000);
try {
  await sink.start();
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'sink failed to start');
  await sink.stop().catch(() => undefined);
  process.exit(1);
}
