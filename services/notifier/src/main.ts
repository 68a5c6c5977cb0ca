/** `npm run start --workspace services/notifier`: the notifier process. The wiring is in app.ts. */
import { ConfigError, createLogger, exitOnConfigError, loadConfig, onShutdown } from '@downradar/common';
import { CatalogError } from '../../../schemas/catalog/index';
import { buildNotifier } from './app';
import { notifierConfig } from './config';
import { SubscriptionFileError } from './subscription-store';

const config = (() => {
  try {
    return loadConfig(notifierConfig);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const logger = createLogger('notifier', config.logLevel);

let notifier: ReturnType<typeof buildNotifier>;
try {
  notifier = buildNotifier(config, { logger });
} catch (err) {
  if (err instanceof ConfigError) exitOnConfigError(err);
  if (err instanceof SubscriptionFileError || err instanceof CatalogError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

onShutdown(logger, [() => notifier.close()]);

try {
  await notifier.start();
  await notifier.http.listen({ host: config.notifierHost, port: config.notifierPort });
  logger.info({ host: config.notifierHost, port: config.notifierPort, subscriptionsFile: config.notifierSubscriptionsFile }, 'notifier listening');
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'notifier failed to start (is Kafka up? npm run stack:status)');
  await notifier.close().catch(() => undefined);
  process.exit(1);
}
