/**
 * The decoding thread (decode-pool.ts, decode-worker.ts) against the main thread's mapping: the
 * same rows, byte for byte in RowBinary, and every message it does not map handed back; through
 * the batch handler, the same inserts and dead letters with a thread as without.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BinaryWriter, Registry, createLogger, rowBinaryEncoder, topicNames, type ClickHouseClient, type OutMessage } from '@downradar/common';
import { createDecodePool } from './decode-pool';
import { createBatchHandler, type InsertRows, type RowsPart } from './batch-handler';
import { LAYOUTS, mapBatch, plainReportRow, type Row } from './rows';

const T = Date.UTC(2021, 9, 4, 15, 41);
const topics = topicNames('t');
const base = { serviceId: 'facebook', problem: 'login', at: T, receivedAt: T, reporterHash: 'h', source: 'web' };
const value = (o: unknown) => Buffer.from(JSON.stringify(o));
/** Plain reports, and every kind the thread must hand back: not JSON, null, a wrong field, valid but not plain (a long text of emoji), an unknown key. */
const messages = [
  value({ id: 'a', ...base, text: 'héllo 😀', country: 'DE' }),
  Buffer.from('{nope'),
  null,
  value({ id: 'b', ...base }),
  value({ id: 'c', ...base, problem: 'no-such-problem' }),
  value({ id: 'd', ...base, text: '😀'.repeat(400) }),
  value({ id: 'e', ...base, extra: 1 }),
  value({ id: 'f', ...base, at: 2 ** 45 }),
  value({ id: 'g', ...base, country: 'FR', text: '' }),
].map((v, i) => ({ offset: String(100 + i), value: v }));

const pool = createDecodePool(1);
afterAll(() => pool.close());

describe('decode pool', () => {
  it('encodes the plain reports as the main thread does and hands back the others', async () => {
    await pool.ready();
    const r = await pool.encodeReports(messages.map((m) => m.value));
    const plainIdx = messages.flatMap((m, i) => {
      if (m.value === null) return [];
      try {
        return plainReportRow(JSON.parse(m.value.toString('utf8'))) ? [i] : [];
      } catch {
        return [];
      }
    });
    expect(plainIdx).toEqual([0, 3, 8]);
    expect(Array.from(r.fallback)).toEqual([1, 2, 4, 5, 6, 7]);
    expect(r.rows).toBe(3);
    const rows = mapBatch({ topicKey: 'reports', topic: topics.reports, partition: 0 }, plainIdx.map((i) => messages[i]!) as never, T).rows.get('reports')!;
    const w = new BinaryWriter();
    const encode = rowBinaryEncoder(LAYOUTS.reports);
    for (const row of rows) encode(w, row as never);
    expect(r.body.equals(w.view())).toBe(true);
  });

  it('many batches at once on two threads: each answer is its own batch', async () => {
    const two = createDecodePool(2);
    try {
      const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 50 + b }, (_, i) => value({ id: `x${b}-${i}`, ...base })));
      const out = await Promise.all(batches.map((vs) => two.encodeReports(vs)));
      out.forEach((r, b) => {
        expect(r.rows).toBe(50 + b);
        expect(r.fallback.length).toBe(0);
      });
    } finally {
      await two.close();
    }
  });
});

function handler(decodeThreads: number, fail?: (rows: Row[]) => Error | null) {
  const inserts: Array<{ table: string; rows: Row[]; parts: RowsPart[] }> = [];
  const sent: OutMessage[] = [];
  const insert: InsertRows = async (table, parts) => {
    const rows = parts.flatMap((p) => p.rows());
    const err = fail?.(rows);
    if (err) throw err;
    inserts.push({ table, rows, parts });
  };
  const h = createBatchHandler({
    clickhouse: {} as ClickHouseClient,
    insert,
    database: 'db',
    producer: { send: async (m) => void sent.push(...m) },
    topics,
    logger: createLogger('test', 'silent'),
    registry: new Registry(),
    decodeThreads,
  });
  return { h, inserts, sent };
}

describe('batch handler with a decoding thread', () => {
  it('stores the same rows and dead letters as without one', async () => {
    const [on, off] = [handler(1), handler(0)];
    try {
      await on.h.ready();
      for (const x of [on, off])
        await Promise.all([
          x.h.handleBatch({ topic: topics.reports, partition: 3, messages: messages as never }),
          x.h.handleBatch({ topic: topics.reports, partition: 4, messages: messages.slice(0, 4).map((m, i) => ({ ...m, offset: String(i) })) as never }),
        ]);
      const rowsOf = (x: typeof on, table: string) => x.inserts.filter((i) => i.table === table).flatMap((i) => i.rows.map((r) => JSON.stringify(r))).sort();
      expect(rowsOf(on, 'reports')).toEqual(rowsOf(off, 'reports'));
      expect(rowsOf(on, 'reports')).toHaveLength(6); // a, b, d (valid, not plain), g; a, b again at other offsets
      const dead = (x: typeof on) => x.inserts.filter((i) => i.table === 'dlq').flatMap((i) => i.rows.map((r) => `${(r as { id: string }).id} ${(r as { code: string }).code}`)).sort();
      expect(dead(on)).toEqual(dead(off));
      expect(dead(on)).toContain('sink:t.reports:3:101 NOT_JSON');
      expect(on.sent.map((m) => JSON.parse(String(m.value)).id).sort()).toEqual(off.sent.map((m) => JSON.parse(String(m.value)).id).sort());
      // The thread's rows went in encoded.
      expect(on.h.stats.threadRows).toBe(5); // a, b, g of partition 3 (d is valid but not plain), a, b of partition 4
      expect(off.h.stats.threadRows).toBe(0);
      expect(on.h.stats.rows.reports).toBe(6);
    } finally {
      await on.h.close();
    }
  });

  it('a batch larger than a thread slice: every row once, the batch resolved only after the last insert', async () => {
    const x = handler(1);
    try {
      await x.h.ready();
      const many = Array.from({ length: 25_000 }, (_, i) => ({ offset: String(i), value: value({ id: `m${i}`, ...base }) }));
      await x.h.handleBatch({ topic: topics.reports, partition: 0, messages: many as never, lag: 50_000 });
      const ids = x.inserts.filter((i) => i.table === 'reports').flatMap((i) => i.rows.map((r) => (r as { id: string }).id));
      expect(ids).toHaveLength(25_000);
      expect(new Set(ids).size).toBe(25_000);
      expect(x.h.stats).toMatchObject({ batches: 1, messages: 25_000 });
      expect(x.h.stats.rows.reports).toBe(25_000);
    } finally {
      await x.h.close();
    }
  });

  it('maps on the main thread while the thread loads, then hands batches to it', async () => {
    const x = handler(1);
    try {
      // Handed over at once, before the thread can have loaded (it takes a new isolate and tsx).
      await x.h.handleBatch({ topic: topics.reports, partition: 0, messages: messages as never });
      const early = x.inserts.filter((i) => i.table === 'reports');
      expect(early.flatMap((i) => i.rows.map((r) => (r as { id: string }).id)).sort()).toEqual(['a', 'b', 'd', 'g']);
      expect(x.h.stats.threadRows).toBe(0);
      await x.h.ready();
      const before = x.inserts.length;
      await x.h.handleBatch({ topic: topics.reports, partition: 1, messages: messages as never });
      const late = x.inserts.slice(before).filter((i) => i.table === 'reports');
      expect(late.flatMap((i) => i.rows.map((r) => (r as { id: string }).id)).sort()).toEqual(['a', 'b', 'd', 'g']);
      expect(x.h.stats.threadRows).toBe(3); // a, b, g (d is valid but not plain: the main thread maps it)
      expect(x.h.stats.rows.reports).toBe(8);
    } finally {
      await x.h.close();
    }
  });

  it('maps on the main thread when the threads are gone', async () => {
    const x = handler(1);
    await x.h.ready();
    await x.h.close();
    await x.h.handleBatch({ topic: topics.reports, partition: 0, messages: messages.slice(0, 4) as never });
    expect(x.inserts.filter((i) => i.table === 'reports').flatMap((i) => i.rows.map((r) => (r as { id: string }).id)).sort()).toEqual(['a', 'b']);
    expect(x.h.stats.threadRows).toBe(0);
  });

  it('isolates a row ClickHouse refuses among rows a thread encoded', async () => {
    const poison = Object.assign(new Error('Code: 27. DB::Exception: Cannot parse input'), { code: '27' });
    const x = handler(1, (rows) => (rows.some((r) => (r as { id: string }).id === 'b') && rows.length > 0 ? poison : null));
    try {
      await x.h.ready();
      await x.h.handleBatch({ topic: topics.reports, partition: 0, messages: messages as never });
      expect(x.inserts.filter((i) => i.table === 'reports').flatMap((i) => i.rows.map((r) => (r as { id: string }).id)).sort()).toEqual(['a', 'd', 'g']);
      const dead = x.inserts.filter((i) => i.table === 'dlq').flatMap((i) => i.rows as unknown as Array<{ code: string; payload: string }>);
      expect(dead.filter((d) => d.code === 'CLICKHOUSE_REJECTED').map((d) => JSON.parse(d.payload).id)).toEqual(['b']);
    } finally {
      await x.h.close();
    }
  });
});
