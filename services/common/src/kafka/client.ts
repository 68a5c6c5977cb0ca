// First, before kafkajs loads: three of its producer's hot functions made cheaper (kafkajs-speedups.ts).
import './kafkajs-speedups';
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../logger';

/**
 * kafkajs (in maintenance mode) stays behind services/common/src/kafka: services create their
 * client here and produce and consume through createProducer / runConsumer; the client's types
 * are re-exported below for the code that passes a client or a message along. One exception,
 * on purpose: the detector's exactly-once stages (services/detector/src/kafka and stages/) use
 * kafkajs' transactions, consumers and partition assigner directly, which these wrappers do not
 * offer. Replacing the client means changing those two places; the import rule in
 * eslint.config.js keeps kafkajs out of every other file.
 */
export type { Kafka, KafkaMessage } from 'kafkajs';

export function createKafka(opts: { brokers: string[]; clientId: string; logger?: Logger; config?: Partial<KafkaConfig> }): Kafka {
  const { logger } = opts;
  const levelOf = kafkajsLogLevels();
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
      const level = levelOf(entry.level, String(message), extra as { error?: unknown; groupId?: unknown });
      logger[level](data, String(message));
    },
    ...opts.config,
  });
}

/**
 * Conditions the broker reports on every normal run and kafkajs retries by itself, yet logs at
 * error level: the transaction coordinator still writing the previous transaction's markers
 * (CONCURRENT_TRANSACTIONS, the next AddPartitionsToTxn is retried within milliseconds), a
 * group rebalancing while a member joins (REBALANCE_IN_PROGRESS, the member rejoins), and a
 * coordinator that a just-started broker is still loading (COORDINATOR_NOT_AVAILABLE,
 * COORDINATOR_LOAD_IN_PROGRESS, asked again after a backoff), a coordinator or partition leader
 * that moved (NOT_COORDINATOR, NOT_LEADER_OR_FOLLOWER: kafkajs refreshes its metadata and asks the
 * new one). They go to debug so that "error" in a service's log means something; if the retries
 * run out, the error reaches the caller, which logs it. kafkajs also warns at every start that
 * "limiting retries for the idempotent producer may invalidate EoS guarantees": createProducer
 * limits them on purpose (its callers learn of a failed send, or it resends the very same request
 * with retryFailedRequests), so that warning goes to debug too.
 */
const ROUTINE_RETRIED = [
  /another concurrent operation on the same transaction was ongoing/i,
  /\bCONCURRENT_TRANSACTIONS\b/,
  /group is rebalancing, so a rejoin is needed/i,
  /\bREBALANCE_IN_PROGRESS\b/,
  /group coordinator is not available/i,
  /coordinator is loading and hence can't process requests/i,
  /not the correct coordinator for this group/i,
  /\bNOT_COORDINATOR\b/,
  /not the leader for that topic-partition/i,
  /\bNOT_LEADER_(OR_FOLLOWER|FOR_PARTITION)\b/,
  /Limiting retries for the idempotent producer/i,
];

/**
 * kafkajsLogLevel for one client's log lines, plus one rule that needs the line before: when a
 * consumer crashes on a routine condition ("Crash: ... The group coordinator is not available",
 * logged at debug), kafkajs then logs "Restarting the consumer in 200ms" at error level without
 * the cause. That line takes the level of its group's last crash, so that a consumer that
 * recovers from a routine condition by itself logs no error (a crash that is not routine still
 * logs both lines at error level).
 */
export function kafkajsLogLevels(): (level: KafkaLogLevel, message: string, extra: { error?: unknown; groupId?: unknown }) => 'error' | 'warn' | 'debug' {
  const lastCrash = new Map<unknown, 'error' | 'warn' | 'debug'>();
  return (level, message, extra) => {
    if (message.startsWith('Restarting the consumer') && lastCrash.has(extra.groupId)) return lastCrash.get(extra.groupId)!;
    const l = kafkajsLogLevel(level, message, extra.error);
    if (message.startsWith('Crash: ')) lastCrash.set(extra.groupId, l);
    return l;
  };
}

export function kafkajsLogLevel(level: KafkaLogLevel, message: string, error?: unknown): 'error' | 'warn' | 'debug' {
  const text = `${message} ${typeof error === 'string' ? error : ''}`;
  if (ROUTINE_RETRIED.some((re) => re.test(text))) return 'debug';
  return level <= KafkaLogLevel.ERROR ? 'error' : 'warn';
}
