import { Counter, Gauge, Histogram, type Registry } from '@downradar/common';

/** The sources' metrics, labelled by connector (bluesky, mastodon, statuspage, probes). */
export function createSourceMetrics(registry: Registry) {
  return {
    events: new Counter({ name: 'sources_events_total', help: 'frames / statuses / polls / probes read, by outcome', labelNames: ['connector', 'outcome'], registers: [registry] }),
    produced: new Counter({ name: 'sources_messages_produced_total', help: 'records committed to Kafka, by topic (a signal counts once, alone or in a signal batch)', labelNames: ['connector', 'topic'], registers: [registry] }),
    connections: new Counter({ name: 'sources_connections_total', help: 'connection attempts, by result', labelNames: ['connector', 'result'], registers: [registry] }),
    commitMs: new Histogram({ name: 'sources_commit_duration_ms', help: 'one Kafka transaction', labelNames: ['connector'], buckets: [5, 10, 20, 50, 100, 250, 1000, 5000], registers: [registry] }),
    lagMs: new Gauge({ name: 'sources_cursor_lag_ms', help: 'processing time minus the event time of the last event read (Jetstream)', labelNames: ['connector'], registers: [registry] }),
    gapFills: new Counter({ name: 'sources_gap_fills_total', help: 'gap fills after a reconnect or restart (Mastodon), complete or partial', labelNames: ['connector', 'instance', 'outcome'], registers: [registry] }),
    gapUnfilledSeconds: new Counter({
      name: 'sources_gap_unfilled_seconds_total',
      help: 'seconds of timelines a gap fill could not read (request limit, refused timeline), summed over timelines',
      labelNames: ['connector', 'instance'],
      registers: [registry],
    }),
    probeMs: new Histogram({ name: 'sources_probe_duration_ms', help: 'one probe, by kind', labelNames: ['kind'], buckets: [5, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000], registers: [registry] }),
  };
}
export type SourceMetrics = ReturnType<typeof createSourceMetrics>;
