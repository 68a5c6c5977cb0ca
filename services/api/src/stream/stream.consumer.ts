import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { IncidentEvent, ScoreEvent, TrendEvent } from '../../../../schemas/events/index';
import { compileValidator, ensureTopics, parseMessage, runConsumer, topicNames, type ConsumerRunner, type Logger, type Kafka } from '@downradar/common';
import { summariseScores } from './catchup';
import type { StreamHub } from './hub';

const checkScore = compileValidator(ScoreEvent);
const checkIncident = compileValidator(IncidentEvent);
const checkTrend = compileValidator(TrendEvent);

export interface StreamConsumerOptions {
  kafka: Kafka;
  topicPrefix: string;
  /** partitions of a topic this process has to create (a fresh broker) */
  partitions: number;
  /** replication of a topic this process has to create (DOWNRADAR_KAFKA_REPLICATION_FACTOR / _MIN_INSYNC_REPLICAS) */
  replicationFactor?: number;
  minInsyncReplicas?: number;
  hub: StreamHub;
  logger: Logger;
  onInvalid?: (topic: string) => void;
}

export interface StreamConsumer {
  /** Resolves once the consumer has joined its group and owns its partitions. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Feeds the SSE hub from Kafka. The group id carries a random suffix, so every API process is
 * the only member of its own group and sees every event; it starts from the latest offset
 * (live updates only: history comes from ClickHouse). Score events are summarised per batch and
 * service (catchup.ts): a client gets each service's newest window, not the detector's backlog.
 */
export function startStreamConsumer(opts: StreamConsumerOptions): StreamConsumer {
  const topics = topicNames(opts.topicPrefix);
  const groupId = `${opts.topicPrefix}.api-stream.${hostname()}.${randomBytes(4).toString('hex')}`;
  let runner: ConsumerRunner | null = null;
  let stopped = false;
  let markReady: () => void = () => undefined;
  let wake: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  /** Scores of the batch being handled: summarised per service once the batch is read. */
  let batchScores: ScoreEvent[] = [];
  const handle = (topic: string, value: Buffer | null) => {
    if (topic === topics.scores) {
      const r = parseMessage<typeof ScoreEvent>(checkScore, value);
      if (r.ok) return void batchScores.push(r.value);
    } else if (topic === topics.alerts) {
      const r = parseMessage<typeof IncidentEvent>(checkIncident, value);
      if (r.ok) return opts.hub.publish('incident', r.value, r.value.services.map((s) => s.serviceId));
    } else if (topic === topics.trends) {
      const r = parseMessage<typeof TrendEvent>(checkTrend, value);
      if (r.ok) return opts.hub.publish('trend', r.value, r.value.serviceId ? [r.value.serviceId] : null);
    }
    opts.onInvalid?.(topic);
  };

  const start = async () => {
    let attempt = 0;
    while (!stopped) {
      try {
        // On a fresh broker the API may start before any producer created the topics.
        await ensureTopics(opts.kafka, { prefix: opts.topicPrefix, partitions: opts.partitions,
          ...(opts.replicationFactor ? { replicationFactor: opts.replicationFactor } : {}),
          ...(opts.minInsyncReplicas ? { minInsyncReplicas: opts.minInsyncReplicas } : {}),
          only: ['scores', 'alerts', 'trends'],
        });
        runner = await runConsumer({
          kafka: opts.kafka,
          groupId,
          topics: [topics.scores, topics.alerts, topics.trends],
          fromBeginning: false,
          logger: opts.logger,
          sessionTimeoutMs: 10_000,
          onAssign: () => markReady(),
          handleBatch: async ({ topic, messages }) => {
            batchScores = [];
            for (const m of messages) handle(topic, m.value);
            if (batchScores.length === 0) return;
            const { catchups, newest } = summariseScores(batchScores);
            batchScores = [];
            for (const c of catchups) opts.hub.publish('catchup', c, [c.serviceId]);
            for (const s of newest) opts.hub.publish('score', s, [s.serviceId]);
          },
        });
        opts.logger.info({ groupId }, 'stream consumer started');
        if (stopped) await runner.stop();
        return;
      } catch (err) {
        attempt++;
        opts.logger.warn({ err: (err as Error).message, attempt }, 'stream consumer could not start; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  };
  const started = start();

  return {
    ready,
    async stop() {
      stopped = true;
      wake();
      await started;
      await runner?.stop();
    },
  };
}
