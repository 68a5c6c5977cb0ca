import {
  Counter,
  compileValidator,
  deadLetter,
  parseMessage,
  positionId,
  runConsumer,
  type ConsumedBatch,
  type ConsumerRunner,
  type createKafka,
  type Logger,
  type Producer,
  type Registry,
  type TopicNames,
} from '@downradar/common';
import { IncidentEvent } from '../../../schemas/events/index';
import type { DeliveryEngine, DeliveryJob } from './delivery-engine';
import { matchesSubscription, type FamilyOf } from './filter';
import { WebhookRetryRecord } from './retry-record';
import type { SubscriptionStore } from './subscription-store';

/**
 * The two consumers of the notifier. Both follow one rule: a message's offset is committed
 * only once every delivery it started is settled (delivered, dead-lettered, dropped) or
 * checkpointed to the retry topic, acknowledged by the broker. So a delivery that is not
 * finished always lives in Kafka, and a crash redelivers it.
 *
 * - alerts consumer (`<prefix>.alerts`): starts a delivery per matching subscription and waits
 *   up to the alert patience (250 ms) for them. What is still pending then is checkpointed, so a
 *   slow or dead receiver holds up the alerts partition for at most the patience. A healthy
 *   receiver slower than that costs one checkpoint record and nothing else: the job goes on
 *   in this process and the retry consumer, reading the checkpoint, simply waits for it.
 * - retry consumer (`<prefix>.webhooks-retry`): resumes checkpointed deliveries (or joins the
 *   job this process still runs for them), waits up to the retry patience (20 s) and
 *   checkpoints again what is still pending, until each delivery settles.
 */
type Kafka = ReturnType<typeof createKafka>;
type KafkaMessage = ConsumedBatch['messages'][number];

export interface AlertConsumersOptions {
  kafka: Kafka;
  topics: TopicNames;
  retryTopic: string;
  groupId: string;
  fromBeginning: boolean;
  partitions: number;
  store: SubscriptionStore;
  engine: DeliveryEngine;
  producer: Producer;
  familyOf: FamilyOf;
  alertPatienceMs: number;
  retryPatienceMs: number;
  logger?: Logger;
  registry?: Registry;
}

export interface AlertConsumers {
  readonly alerts: ConsumerRunner;
  readonly retries: ConsumerRunner;
  stop(): Promise<void>;
}

const checkIncident = compileValidator(IncidentEvent);
const checkRetry = compileValidator(WebhookRetryRecord);

export async function startAlertConsumers(o: AlertConsumersOptions): Promise<AlertConsumers> {
  const checkpoints = o.registry
    ? new Counter({ name: 'webhook_retry_checkpoints_total', help: 'pending deliveries written to the retry topic', labelNames: ['from'], registers: [o.registry] })
    : undefined;
  const invalid = o.registry
    ? new Counter({ name: 'notifier_invalid_messages_total', help: 'messages sent to the dlq because they failed validation', labelNames: ['topic'], registers: [o.registry] })
    : undefined;

  async function toDlq(topic: string, partition: number, m: KafkaMessage, field: string, reason: string): Promise<void> {
    invalid?.inc({ topic });
    // Named by its position: a redelivered message (a crash before the commit) makes the same id, not a second row.
    const record = deadLetter({
      id: positionId('notifier', { topic, partition, offset: m.offset }),
      at: Date.now(),
      origin: `${topic} notifier`,
      code: 'INVALID_MESSAGE',
      reason: `${field} ${reason}`,
      payload: m.value,
    });
    o.logger?.warn({ topic, offset: m.offset, field, reason }, 'invalid message sent to the dlq');
    await o.producer.send([{ topic: o.topics.dlq, key: 'notifier', value: JSON.stringify(record) }]);
  }

  async function checkpoint(pending: DeliveryJob[], from: 'alerts' | 'retry'): Promise<void> {
    if (pending.length === 0) return;
    await o.producer.send(
      pending.map((job) => ({ topic: o.retryTopic, key: job.subscriptionId, value: JSON.stringify(o.engine.checkpointOf(job)) })),
    );
    checkpoints?.inc({ from }, pending.length);
    o.logger?.debug({ from, count: pending.length }, 'pending deliveries checkpointed');
  }

  async function handleAlerts(batch: ConsumedBatch): Promise<void> {
    const jobs: DeliveryJob[] = [];
    for (const m of batch.messages) {
      const parsed = parseMessage<typeof IncidentEvent>(checkIncident, m.value);
      if (!parsed.ok) {
        await toDlq(batch.topic, batch.partition, m, parsed.field, parsed.reason);
        continue;
      }
      for (const sub of o.store.list()) {
        if (matchesSubscription(sub, parsed.value, o.familyOf)) jobs.push(o.engine.enqueue(sub, parsed.value));
      }
    }
    const pending = await o.engine.awaitSettledOrPatience(jobs, o.alertPatienceMs, { parkEarly: true, heartbeat: batch.heartbeat });
    await checkpoint(pending, 'alerts');
  }

  async function handleRetries(batch: ConsumedBatch): Promise<void> {
    const jobs: DeliveryJob[] = [];
    for (const m of batch.messages) {
      const parsed = parseMessage<typeof WebhookRetryRecord>(checkRetry, m.value);
      if (!parsed.ok) {
        await toDlq(batch.topic, batch.partition, m, parsed.field, parsed.reason);
        continue;
      }
      const sub = o.store.get(parsed.value.subscriptionId);
      if (!sub) {
        o.logger?.info({ subscriptionId: parsed.value.subscriptionId, eventId: parsed.value.eventId }, 'pending delivery dropped: subscription deleted');
        continue;
      }
      jobs.push(o.engine.enqueue(sub, parsed.value.event, parsed.value));
    }
    // No early parking here: the checkpoint comes straight back to this consumer, and waiting
    // the patience out is what keeps that loop slow.
    const pending = await o.engine.awaitSettledOrPatience(jobs, o.retryPatienceMs, { heartbeat: batch.heartbeat });
    await checkpoint(pending, 'retry');
  }

  const retries = await runConsumer({
    kafka: o.kafka,
    groupId: `${o.groupId}-retry`,
    topics: [o.retryTopic],
    fromBeginning: true, // a checkpoint must never be skipped
    concurrency: o.partitions,
    handleBatch: handleRetries,
    ...(o.logger ? { logger: o.logger } : {}),
  });
  let alerts: ConsumerRunner;
  try {
    alerts = await runConsumer({
      kafka: o.kafka,
      groupId: o.groupId,
      topics: [o.topics.alerts],
      fromBeginning: o.fromBeginning,
      concurrency: o.partitions,
      handleBatch: handleAlerts,
      ...(o.logger ? { logger: o.logger } : {}),
    });
  } catch (err) {
    await retries.stop();
    throw err;
  }
  return {
    alerts,
    retries,
    async stop() {
      await Promise.all([alerts.stop(), retries.stop()]);
    },
  };
}
