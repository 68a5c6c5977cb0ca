import { createLogger, exitOnConfigError, loadConfig, onShutdown } from '@downradar/common';
import { sourcesConfigSpec } from './config';
import { createSources } from './sources';

const config = (() => {
  try {
    return loadConfig(sourcesConfigSpec);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const logger = createLogger('sources', config.logLevel);
const sources = (() => {
  try {
    return createSources(config, { logger });
  } catch (err) {
    console.error(`configuration: ${(err as Error).message}`);
    return process.exit(1);
  }
})();
await sources.start();
onShutdown(logger, [() => sources.stop()]);
