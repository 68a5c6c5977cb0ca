/**
 * Every topic downradar uses, in one table: `<prefix>.<suffix>` with the prefix `downradar` by
 * default (DOWNRADAR_TOPIC_PREFIX; tests use a random prefix to get throwaway topics). Services
 * take their names from `topicNames()` and create them with `ensureTopics()`.
 *
 * Keys decide ordering and scale-out: signals, scores and detector state are keyed by service
 * id, so one service's windows live on one partition and detectors scale by adding members.
 * Alerts are keyed by incident id so that every event of one incident is ordered.
 */
export const TOPIC_DEFINITIONS = {
  reports: { suffix: 'reports', key: 'serviceId', compacted: false, retentionMs: 7 * 86_400_000 },
  posts: { suffix: 'posts', key: 'post id', compacted: false, retentionMs: 7 * 86_400_000 },
  signals: { suffix: 'signals', key: 'serviceId', compacted: false, retentionMs: 7 * 86_400_000 },
  scores: { suffix: 'scores', key: 'serviceId', compacted: false, retentionMs: 7 * 86_400_000 },
  alerts: { suffix: 'alerts', key: 'incidentId', compacted: false, retentionMs: 30 * 86_400_000 },
  trends: { suffix: 'trends', key: 'hashtag', compacted: false, retentionMs: 7 * 86_400_000 },
  dlq: { suffix: 'dlq', key: 'origin', compacted: false, retentionMs: 30 * 86_400_000 },
  /** Detector checkpoints: the latest state per key survives compaction. */
  detectorState: { suffix: 'detector-state', key: 'serviceId or "_global"', compacted: true, retentionMs: -1 },
  /**
   * The detector's hand-off from its scoring stage to its incident stage (window progress and
   * closed windows, services/detector/src/stages/window-progress.ts). ONE partition: the incident
   * stage needs the windows of every scoring partition in one total order.
   */
  detectorWindows: { suffix: 'detector-windows', key: 'p<signals partition>', compacted: false, retentionMs: 7 * 86_400_000, partitions: 1 },
  /**
   * What providers' official status pages said (services/sources): the provider's claim, not a
   * user's, so it is kept apart from posts and signals; history kept for 30 days in Kafka and
   * for good in ClickHouse (official_status).
   */
  status: { suffix: 'status', key: 'serviceId', compacted: false, retentionMs: 30 * 86_400_000 },
  /** DNS and HTTPS probes of each service's domains from this host (services/sources). */
  probes: { suffix: 'probes', key: 'serviceId', compacted: false, retentionMs: 7 * 86_400_000 },
  /** Where each live source stands (a Jetstream cursor, a status page's ETag): latest per key. */
  sourceState: { suffix: 'source-state', key: 'connector (bluesky, statuspage:<serviceId>, ...)', compacted: true, retentionMs: -1 },
  /** Webhook deliveries that failed every try. */
  webhookDlq: { suffix: 'webhooks-dlq', key: 'subscription id', compacted: false, retentionMs: 30 * 86_400_000 },
  /** Webhook deliveries still pending when the notifier's patience ran out (services/notifier/src/retry-record.ts). */
  webhookRetry: { suffix: 'webhooks-retry', key: 'subscription id', compacted: false, retentionMs: 7 * 86_400_000 },
} as const satisfies Record<string, TopicDefinition>;

export interface TopicDefinition {
  suffix: string;
  /** What messages are keyed by. */
  key: string;
  compacted: boolean;
  /** -1 = forever. */
  retentionMs: number;
  /** Fixed partition count; without it, the count ensureTopics is given (DOWNRADAR_KAFKA_PARTITIONS). */
  partitions?: number;
}

export type TopicKey = keyof typeof TOPIC_DEFINITIONS;
export type TopicNames = Record<TopicKey, string>;

export function topicNames(prefix = 'downradar'): TopicNames {
  const out = {} as TopicNames;
  for (const [key, def] of Object.entries(TOPIC_DEFINITIONS)) out[key as TopicKey] = `${prefix}.${def.suffix}`;
  return out;
}
