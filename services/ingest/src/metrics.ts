/** The ingest service's metrics (snake_case, unit in the name), on the service's own registry. */
import { Counter, Histogram, type Registry } from '@downradar/common';

export function createIngestMetrics(registry: Registry) {
  const registers = [registry];
  return {
    accepted: new Counter({ name: 'ingest_accepted_total', help: 'events acknowledged after Kafka stored them', labelNames: ['kind'], registers }),
    rejected: new Counter({ name: 'ingest_rejected_total', help: 'events refused, by code', labelNames: ['kind', 'code'], registers }),
    duplicates: new Counter({ name: 'ingest_duplicates_total', help: 'events already stored (same id)', labelNames: ['kind'], registers }),
    produceMs: new Histogram({
      name: 'ingest_produce_duration_ms',
      help: 'time from request to Kafka acknowledgement',
      buckets: [1, 2, 5, 10, 20, 50, 100, 250, 1000, 5000],
      registers,
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
