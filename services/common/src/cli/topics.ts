/** `npm run topics`: create every downradar topic that is missing (idempotent). */
import { baseConfig, createKafka, ensureTopics, exitOnConfigError, loadConfig } from '../index';

const config = (() => {
  try {
    return loadConfig(baseConfig);
  } catch (err) {
    return exitOnConfigError(err);
  }
})();
const started = Date.now();
const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'downradar-topics' });
try {
  const r = await ensureTopics(kafka, { prefix: config.topicPrefix, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, minInsyncReplicas: config.kafkaMinInsyncReplicas });
  console.log(
    `topics: ${r.created.length} created${r.created.length ? ` (${r.created.join(', ')})` : ''}, ${r.existing.length} already there (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
} catch (err) {
  console.error(`topics: failed: ${(err as Error).message}\nIs Kafka up? Try: npm run stack:status`);
  process.exit(1);
}
