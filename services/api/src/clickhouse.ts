import { clickhouseError, sqlIdent, sqlInt, type ClickHouseClient } from '@downradar/common';
import { HttpError } from '@downradar/common/http';

/**
 * Read access for the routes. Every query runs with 64-bit integers as JSON numbers (counts come
 * back as UInt64), a per-query time limit and the uncompressed block cache; a storage failure
 * becomes a 503 (retriable) or 500 without details.
 */
export interface Reader {
  readonly database: string;
  /** `db.table`, the identifier checked. */
  table(name: string): string;
  rows<T>(query: string): Promise<T[]>;
}

export function createReader(client: ClickHouseClient, database: string, timeoutMs: number): Reader {
  const db = sqlIdent(database);
  const maxSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  return {
    database: db,
    table: (name) => `${db}.${sqlIdent(name)}`,
    async rows<T>(query: string): Promise<T[]> {
      try {
        const rs = await client.query({
          query,
          format: 'JSONEachRow',
          clickhouse_settings: {
            output_format_json_quote_64bit_integers: 0,
            max_execution_time: maxSeconds,
            // Dashboards ask for the same recent ranges over and over: keep their blocks
            // decompressed (the server's uncompressed_cache_size bounds it).
            use_uncompressed_cache: 1,
          },
        });
        return (await rs.json()) as T[];
      } catch (err) {
        // Retriable (down, overloaded, timing out): 503 so clients retry. Anything else is a bug
        // or a schema mismatch: 500. Either way the body says nothing about the SQL.
        const e = clickhouseError(err, 'api query');
        const apiError = e.retriable
          ? new HttpError(503, 'UNAVAILABLE', 'storage is unavailable or too slow; retry later')
          : new HttpError(500, 'INTERNAL', 'internal error');
        throw Object.assign(apiError, { cause: e });
      }
    },
  };
}

/** An epoch-ms bound as a DateTime: `at >= since(ms)` includes the second `ms` falls in. */
export const since = (ms: number) => `toDateTime(${sqlInt(Math.floor(ms / 1000))})`;
/** An exclusive epoch-ms bound: `at < until(ms)` keeps every whole second that starts before `ms`. */
export const until = (ms: number) => `toDateTime(${sqlInt(Math.ceil(ms / 1000))})`;
