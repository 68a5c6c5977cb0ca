/** `npm run migrate`: apply schemas/clickhouse migrations in order (idempotent). */
import { baseConfig, createClickHouse, exitOnConfigError, loadConfig, migrate, repoRoot, servicesAccount } from '../index';

const config = (() => {
  try {
    return loadConfig(baseConfig);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const started = Date.now();
const client = createClickHouse({ url: config.clickhouseUrl, ...servicesAccount(config) });
try {
  const r = await migrate(client, {
    dir: `${repoRoot}/schemas/clickhouse`,
    database: config.clickhouseDatabase,
    cluster: config.clickhouseCluster,
    log: (l) => console.log(`migrate: ${l}`),
  });
  console.log(
    `migrate: ${r.applied.length} applied, ${r.alreadyApplied.length} already applied, ClickHouse ${r.serverVersion}${config.clickhouseCluster ? ` on cluster ${config.clickhouseCluster}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
} catch (err) {
  console.error(`migrate: failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
