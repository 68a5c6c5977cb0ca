import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../logger';

/**
 * kafkajs stays behind this module (it is in maintenance mode); the rest of the code sees
 * createKafka / createProducer / runConsumer only, so another client can replace it.
 */
export function createKafka(opts: { brokers: string[]; clientId: string; logger?: Logger; config?: Partial<KafkaConfig> }): Kafka {
  const { logger } = opts;
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry) => {
      if (!logger) return;
      const { message, ...extra } = entry.log;
      const data = { kafka: entry.namespace, ...extra };
      if (entry.level <= KafkaLogLevel.ERROR) logger.error(data, String(message));
      else logger.warn(data, String(message));
    },
    ...opts.config,
  });
}
