/** `npm run start --workspace services/detector`: the detector process (app.ts wires it). */
import { clusterRole, createLogger, describeConfig, exitOnConfigError, loadConfig, onShutdown, runPrimary } from '@downradar/common';
import { createDetectorService } from './app';
import { detectorConfigSpec } from './config';

if (process.argv.includes('--help')) {
  console.log(`downradar detector: signals -> scores, incidents, trends (exactly once)\n\n${describeConfig(detectorConfigSpec)}`);
  process.exit(0);
}
const config = (() => {
  try {
    return loadConfig(detectorConfigSpec);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const logger = createLogger('detector', config.logLevel);
const role = clusterRole(config.detectorProcesses);
if (role.primary) {
  // Several processes (DOWNRADAR_DETECTOR_PROCESSES): each worker is an instance of its own.
  process.exit(await runPrimary({ name: 'detector', processes: role.processes, logger, stopTimeoutMs: config.detectorSessionTimeoutMs + 20_000 }));
}
const service = (() => {
  try {
    return createDetectorService(config, { logger });
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
onShutdown(logger, [() => service.stop()], config.detectorSessionTimeoutMs + 15_000);
try {
  await service.start();
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'detector failed to start');
  await service.stop().catch(() => undefined);
  process.exit(1);
}
