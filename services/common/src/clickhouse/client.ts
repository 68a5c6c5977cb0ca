import { createClient, type ClickHouseClient } from '@clickhouse/client';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database?: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

/**
 * A ClickHouse HTTP client. ClickHouse 18.16 has no server-side query parameters, so callers
 * build SQL only from validated slugs, enums and integers (see sql.ts), never from user text.
 */
export function createClickHouse(opts: ClickHouseOptions): ClickHouseClient {
  return createClient({
    url: opts.url,
    ...(opts.database ? { database: opts.database } : {}),
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    compression: { request: false, response: false },
    max_open_connections: 16,
    clickhouse_settings: {},
  });
}

/** Run one query and return its rows (JSONEachRow). */
export async function queryRows<T = Record<string, unknown>>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}
