import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseError } from './errors';

export interface BatchWriterOptions {
  client: ClickHouseClient;
  table: string;
  /** Flush when this many rows are buffered. */
  maxRows?: number;
  /** Flush at the latest this long after the first buffered row. */
  flushIntervalMs?: number;
  /** Retries of one flush for retriable errors before the callers' promises reject. */
  retries?: number;
  retryDelayMs?: number;
}

export interface BatchWriter<Row> {
  /** Resolves when these rows are in ClickHouse; rejects with ClickHouseError. */
  write(rows: Row[]): Promise<void>;
  /** Flush everything buffered now. */
  flush(): Promise<void>;
  /** Drain: flush and refuse further writes. */
  close(): Promise<void>;
  readonly stats: { rows: number; inserts: number; failures: number };
}

interface Waiting {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Buffers rows and inserts them as one JSONEachRow batch on size or interval. Each write()
 * promise settles with the insert that carried its rows, so a consumer can commit its offsets
 * exactly when ClickHouse has acknowledged.
 */
export function createBatchWriter<Row extends object>(opts: BatchWriterOptions): BatchWriter<Row> {
  const maxRows = opts.maxRows ?? 50_000;
  const interval = opts.flushIntervalMs ?? 1000;
  const retries = opts.retries ?? 0;
  const retryDelay = opts.retryDelayMs ?? 500;
  let rows: Row[] = [];
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const stats = { rows: 0, inserts: 0, failures: 0 };

  async function insert(batch: Row[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.client.insert({ table: opts.table, values: batch, format: 'JSONEachRow' });
        stats.rows += batch.length;
        stats.inserts++;
        return;
      } catch (err) {
        stats.failures++;
        const e = clickhouseError(err, `insert into ${opts.table}`);
        if (!e.retriable || attempt >= retries) throw e;
        await new Promise((r) => setTimeout(r, retryDelay * 2 ** attempt));
      }
    }
  }

  function flushNow(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (rows.length === 0) return chain;
    const batch = rows;
    const who = waiting;
    rows = [];
    waiting = [];
    // Inserts run one after another so that rows land in the order they were written.
    chain = chain
      .catch(() => undefined)
      .then(() => insert(batch))
      .then(
        () => who.forEach((w) => w.resolve()),
        (err) => {
          who.forEach((w) => w.reject(err));
        },
      );
    return chain;
  }

  return {
    stats,
    write(newRows) {
      if (closed) return Promise.reject(new Error(`batch writer for ${opts.table} is closed`));
      if (newRows.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        for (const r of newRows) rows.push(r);
        waiting.push({ resolve, reject });
        if (rows.length >= maxRows) void flushNow();
        else if (!timer) timer = setTimeout(() => void flushNow(), interval);
      });
    },
    flush: () => flushNow().catch(() => undefined),
    async close() {
      closed = true;
      await flushNow().catch(() => undefined);
    },
  };
}
