/** The detector's metrics (snake_case, unit in the name), on the service's own registry. */
import { Counter, Gauge, Histogram, type Registry } from '@downradar/common/metrics';

const LATENCY_BUCKETS_MS = [5, 10, 20, 30, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 2000, 5000, 10_000];

export function createDetectorMetrics(registry: Registry) {
  const r = [registry];
  return {
    signalsConsumed: new Counter({ name: 'detector_signals_consumed_total', help: 'signal messages read and processed (committed)', registers: r }),
    signalsSkipped: new Counter({ name: 'detector_signals_redelivered_total', help: 'messages below the checkpointed offset (redelivered after a restart), skipped', registers: r }),
    deadLetters: new Counter({ name: 'detector_dead_letters_total', help: 'records sent to the DLQ, by code', labelNames: ['code'], registers: r }),
    scores: new Counter({ name: 'detector_scores_total', help: 'ScoreEvents published', registers: r }),
    windowsClosed: new Counter({ name: 'detector_windows_closed_total', help: 'partition windows closed', registers: r }),
    trends: new Counter({ name: 'detector_trends_total', help: 'TrendEvents published', registers: r }),
    trendLate: new Gauge({ name: 'detector_trend_late_signals', help: 'hashtag signals too late for the trend tracker (counted for scores)', registers: r }),
    incidentEvents: new Counter({ name: 'detector_incident_events_total', help: 'IncidentEvents published, by type', labelNames: ['type'], registers: r }),
    groupingLateScores: new Gauge({ name: 'detector_grouping_late_scores', help: 'scores that arrived after their window was grouped (left out of incidents)', registers: r }),
    transactions: new Counter({ name: 'detector_transactions_total', help: 'Kafka transactions, by stage and result', labelNames: ['stage', 'result'], registers: r }),
    transactionsDeferred: new Counter({
      name: 'detector_batches_deferred_total',
      help: 'batches without output whose commit was left to a later transaction (by stage)',
      labelNames: ['stage'],
      registers: r,
    }),
    offsetCommits: new Counter({
      name: 'detector_offset_commits_total',
      help: "the scoring stage's consumed offsets committed, in a transaction or to the group between transactions (how)",
      labelNames: ['how'],
      registers: r,
    }),
    transactionDuration: new Histogram({
      name: 'detector_transaction_duration_ms',
      help: 'time from the first send to the commit of a transaction',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS_MS,
      registers: r,
    }),
    checkpointBytes: new Counter({ name: 'detector_checkpoint_bytes_total', help: 'bytes of checkpoint entries written to the state topic', registers: r }),
    alertLatency: new Histogram({
      name: 'detector_alert_latency_ms',
      help: 'from the close of a window (advance() returned it) to the commit of the transaction that published its incident event',
      buckets: LATENCY_BUCKETS_MS,
      registers: r,
    }),
    scoreLatency: new Histogram({
      name: 'detector_score_latency_ms',
      help: 'from the close of a window to the commit of the transaction that published its scores',
      buckets: LATENCY_BUCKETS_MS,
      registers: r,
    }),
    restoreDuration: new Histogram({ name: 'detector_restore_duration_ms', help: 'reading the state topic back on an assignment', labelNames: ['stage'], buckets: [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000], registers: r }),
    partitionsOwned: new Gauge({ name: 'detector_partitions_owned', help: 'signals partitions this instance scores', registers: r }),
    groupingActive: new Gauge({ name: 'detector_grouping_active', help: '1 when this instance is the one grouping incidents', registers: r }),
    openIncidents: new Gauge({ name: 'detector_open_incidents', help: 'incidents open (on the grouping instance)', registers: r }),
    pendingWindows: new Gauge({ name: 'detector_grouping_pending_windows', help: 'windows waiting for a slower partition before they can be grouped', registers: r }),
  };
}

export type DetectorMetrics = ReturnType<typeof createDetectorMetrics>;
