import { baseConfig, defineConfig, int, list, repoRoot, str, type ConfigOf } from '@downradar/common';

/** Every variable the API reads (DOWNRADAR_API_PORT, DOWNRADAR_CORS_ORIGIN, ...). */
export const apiConfigSpec = defineConfig({
  ...baseConfig,
  apiPort: int('port of the read API and the dashboard', 8080, 0, 65535),
  apiHost: str('address the API listens on', '127.0.0.1'),
  corsOrigin: list('origins allowed to call the API from a browser (the dashboard itself)', ['http://127.0.0.1:8080']),
  dashboardDir: str('directory of the built dashboard (index.html and assets)', `${repoRoot}/dashboards/web/dist`),
  streamPingMs: int('interval of the SSE ping event', 15_000, 100, 300_000),
  streamClientBufferBytes: int('bytes a slow SSE client may have queued before it is dropped', 1_048_576, 1024, 268_435_456),
  streamMaxClients: int('concurrent SSE clients before new ones get 503', 1000, 1, 100_000),
  apiQueryTimeoutMs: int('ClickHouse request timeout for API queries', 10_000, 100, 600_000),
});

export type ApiConfig = ConfigOf<typeof apiConfigSpec>;
