/**
 * Every topic downradar uses, in one table. Names follow DESIGN.md: `<prefix>.<topic>` with the
 * prefix `downradar` by default (tests use a random prefix to get throwaway topics).
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
} as const;

export type TopicKey = keyof typeof TOPIC_DEFINITIONS;
export type TopicNames = Record<TopicKey, string>;

export function topicNames(prefix = 'downradar'): TopicNames {
  const out = {} as TopicNames;
  for (const [key, def] of Object.entries(TOPIC_DEFINITIONS)) out[key as TopicKey] = `${prefix}.${def.suffix}`;
  return out;
}
