import { existsSync, readFileSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseAccountConfig, loadConfig, type ConfigOf } from '../config';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database?: string;
  /** Without a username: the services' account, as servicesAccountFromEnv() finds it. */
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

export interface ClickHouseAccount {
  username: string;
  password: string;
}

/** A secret kept in a file (mode 600) under the data dir; undefined when there is none yet. */
export function readSecretFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim();
}

/** The services' account from their configuration: the password given, else the one in the password file. */
export function servicesAccount(config: ConfigOf<typeof clickhouseAccountConfig>): ClickHouseAccount {
  return { username: config.clickhouseUser, password: config.clickhousePassword ?? readSecretFile(config.clickhousePasswordFile) ?? '' };
}

/**
 * The services' account as a service started with `env` would use it: what tests, benchmarks
 * and tools connect as, with no password to copy by hand.
 */
export function servicesAccountFromEnv(env: NodeJS.ProcessEnv = process.env): ClickHouseAccount {
  return servicesAccount(loadConfig(clickhouseAccountConfig, env));
}

/**
 * A ClickHouse HTTP client. ClickHouse 18.16 has no server-side query parameters, so callers
 * build SQL only from validated slugs, enums and integers (see sql.ts), never from user text.
 * The credentials travel in an Authorization header, never in the URL or the query text.
 */
export function createClickHouse(opts: ClickHouseOptions): ClickHouseClient {
  const account = opts.username === undefined ? servicesAccountFromEnv() : { username: opts.username, password: opts.password ?? '' };
  return createClient({
    url: opts.url,
    ...(opts.database ? { database: opts.database } : {}),
    username: account.username,
    password: account.password,
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
