import { Type, type Static } from '@sinclair/typebox';
import { IncidentEvent } from '../../../schemas/events/index';

/**
 * `<prefix>.webhooks-retry`, keyed by subscription id: the durable state of a delivery that
 * was still pending when its consumer's patience ran out. The alert's offset (or the previous
 * checkpoint's) is committed only after this record is acknowledged, so a pending delivery
 * always lives in Kafka somewhere: a restart resumes it with its attempt count and timing.
 * The subscription's URL and secret are not in it: they are looked up when it is resumed
 * (a deleted subscription drops its pending deliveries).
 */
export const WebhookRetryRecord = Type.Object(
  {
    subscriptionId: Type.String({ minLength: 1, maxLength: 100 }),
    eventId: Type.String({ minLength: 1, maxLength: 128 }),
    attempts: Type.Integer({ minimum: 0, description: 'attempts made so far' }),
    firstAttemptAt: Type.Optional(Type.Integer({ minimum: 0, description: 'ms; the retry horizon counts from here' })),
    nextAttemptAt: Type.Integer({ minimum: 0, description: 'ms; not before this' }),
    lastError: Type.Optional(Type.String({ maxLength: 500 })),
    checkpointedAt: Type.Integer({ minimum: 0 }),
    event: IncidentEvent,
  },
  { additionalProperties: false, $id: 'WebhookRetryRecord' },
);
export type WebhookRetryRecord = Static<typeof WebhookRetryRecord>;
