import { Counter, Gauge, Histogram, type Registry } from '@downradar/common';

export interface ApiMetrics {
  requestDuration: Histogram<'route' | 'method' | 'status_code'>;
  streamClients: Gauge;
  streamDropped: Counter;
  streamInvalid: Counter<'topic'>;
}

export function createApiMetrics(registry: Registry, streamClientCount: () => number): ApiMetrics {
  return {
    requestDuration: new Histogram({
      name: 'api_request_duration_ms',
      help: 'time to answer a request, by route pattern',
      labelNames: ['route', 'method', 'status_code'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
      registers: [registry],
    }),
    streamClients: new Gauge({
      name: 'api_stream_clients',
      help: 'connected SSE clients',
      registers: [registry],
      collect() {
        this.set(streamClientCount());
      },
    }),
    streamDropped: new Counter({
      name: 'api_stream_dropped_clients_total',
      help: 'SSE clients dropped because they read slower than events arrived',
      registers: [registry],
    }),
    streamInvalid: new Counter({
      name: 'api_stream_invalid_messages_total',
      help: 'Kafka messages the stream could not read (not sent to clients)',
      labelNames: ['topic'],
      registers: [registry],
    }),
  };
}
