import { existsSync, readFileSync } from 'node:fs';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type Logger as ClientLogger, type WarnLogParams } from '@clickhouse/client';
import { clickhouseAccountConfig, loadConfig, type ConfigOf } from '../config';
import type { Logger } from '../logger';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database?: string;
  /** Without a username: the services' account, as servicesAccountFromEnv() finds it. */
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
  /** Gets the client library's own messages, at debug level; without it they are dropped. */
  logger?: Logger;
}

/**
 * The client library logs every failed request itself, on the console, with its arguments and
 * stack (ECONNREFUSED while ClickHouse restarts: hundreds of lines). Every such failure also
 * rejects the call, and the caller classifies it (clickhouseError) and says what it means in its
 * own log (the sink's "batch failed, partition paused, retrying", the API's "request failed"),
 * so the library's copy goes to debug.
 */
function clientLog(logger: Logger | undefined): { LoggerClass?: new () => ClientLogger; level: ClickHouseLogLevel } {
  if (!logger) return { level: ClickHouseLogLevel.OFF };
  const debug = (p: WarnLogParams) => logger.debug({ module: p.module, ...(p.err ? { err: p.err.message } : {}) }, `clickhouse client: ${p.message}`);
  class ToDebug implements ClientLogger {
    trace = debug;
    debug = debug;
    info = debug;
    warn = debug;
    error = debug;
  }
  return { LoggerClass: ToDebug, level: ClickHouseLogLevel.WARN };
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
    log: clientLog(opts.logger),
  });
}

/** Run one query and return its rows (JSONEachRow). */
export async function queryRows<T = Record<string, unknown>>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}
