import { existsSync, readFileSync } from 'node:fs';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type Logger as ClientLogger, type WarnLogParams } from '@clickhouse/client';
import { clickhouseAccountConfig, loadConfig, type ConfigOf } from '../config';
import type { Logger } from '../logger';

export type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';

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
 *
 * `url` may list several endpoints, comma-separated: the replicas of one shard in cluster mode.
 * Each request goes to the endpoint that answered last; when it cannot be reached (refused,
 * reset, timed out) or answers that it cannot serve (read-only without ZooKeeper, its network
 * error codes), the same request goes to the next one. Replicas hold the same data, and a
 * repeated insert block is deduplicated by the replicated table, so a retry elsewhere is safe.
 * Every endpoint gets the same account: the replicas have the same users (infra/clickhouse/users.sh).
 *
 * The credentials travel in an Authorization header, never in the URL or the query text.
 */
export function createClickHouse(opts: ClickHouseOptions): ClickHouseClient {
  const account = opts.username === undefined ? servicesAccountFromEnv() : { username: opts.username, password: opts.password ?? '' };
  const urls = endpoints(opts.url);
  const clients = urls.map((url) =>
    createClient({
      url,
      ...(opts.database ? { database: opts.database } : {}),
      username: account.username,
      password: account.password,
      request_timeout: opts.requestTimeoutMs ?? 30_000,
      compression: { request: false, response: false },
      max_open_connections: 16,
      clickhouse_settings: {},
      log: clientLog(opts.logger),
    }),
  );
  return clients.length === 1 ? clients[0]! : failoverClient(clients);
}

/** The endpoints of a DOWNRADAR_CLICKHOUSE_URL value (one, or several comma-separated). */
export function endpoints(url: string): string[] {
  const list = url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  if (list.length === 0) throw new Error(`no ClickHouse endpoint in "${url}"`);
  return list;
}

const UNREACHABLE = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|other side closed|Timeout error|timed? ?out/i;
/** 209 SOCKET_TIMEOUT, 210 NETWORK_ERROR, 242 TABLE_IS_READ_ONLY (this replica lost ZooKeeper), 999 KEEPER_EXCEPTION. */
const SERVER_CANNOT_SERVE = /\bCode: (209|210|242|999)\b/;

/** Whether another endpoint may succeed where this one failed. */
export function tryAnotherEndpoint(err: unknown): boolean {
  const e = err as { code?: string | number; message?: string };
  const message = e?.message ?? String(err);
  if (e?.code !== undefined && ['209', '210', '242', '999'].includes(String(e.code))) return true;
  return UNREACHABLE.test(message) || SERVER_CANNOT_SERVE.test(message) || (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code));
}

const ROUTED = new Set(['query', 'insert', 'command', 'exec']);

function failoverClient(clients: ClickHouseClient[]): ClickHouseClient {
  let current = 0;
  async function routed(method: string, args: unknown[]): Promise<unknown> {
    let last: unknown;
    for (let i = 0; i < clients.length; i++) {
      const k = (current + i) % clients.length;
      const client = clients[k] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      try {
        const result = await client[method]!(...args);
        current = k;
        return result;
      } catch (err) {
        if (!tryAnotherEndpoint(err)) throw err;
        last = err;
      }
    }
    throw last;
  }
  return new Proxy(clients[0]!, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && ROUTED.has(prop)) return (...args: unknown[]) => routed(prop, args);
      if (prop === 'ping')
        return async () => {
          let last: Awaited<ReturnType<ClickHouseClient['ping']>> | undefined;
          for (let i = 0; i < clients.length; i++) {
            const k = (current + i) % clients.length;
            last = await clients[k]!.ping();
            if (last.success) {
              current = k;
              return last;
            }
          }
          return last!;
        };
      if (prop === 'close') return async () => void (await Promise.all(clients.map((c) => c.close())));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

/** Run one query and return its rows (JSONEachRow). */
export async function queryRows<T = Record<string, unknown>>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  return (await rs.json()) as T[];
}
