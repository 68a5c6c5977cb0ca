/** `npm run start --workspace services/sink`: the sink process. */
import { createLogger, describeConfig, exitOnConfigError, loadConfig, onShutdown } from '@downradar/common';
import { buildSink } from './app';
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
