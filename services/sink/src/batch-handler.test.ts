import { describe, expect, it } from 'vitest';
import { BinaryWriter, Registry, createLogger, rowBinaryEncoder, topicNames, type ClickHouseClient, type OutMessage } from '@downradar/common';
import { createBatchHandler, type InsertRows, type RowsPart } from './batch-handler';
import { LAYOUTS, type Row } from './rows';

const topics = topicNames('t');
const T = Date.UTC(2021, 9, 4, 15, 41);
const report = (id: string, extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ id, serviceId: 'facebook', problem: 'login', at: T, receivedAt: T, reporterHash: 'h', source: 'web', ...extra }));

function fakeClickHouse(fail: (table: string, rows: Array<Record<string, unknown>>) => Error | null = () => null) {
  const inserts: Array<{ table: string; rows: Array<Record<string, unknown>> }> = [];
  const insert: InsertRows = async (t, parts) => {
    const table = `db.${t}`;
    const rows = parts.flatMap((p) => p.rows()) as unknown as Array<Record<string, unknown>>;
    await new Promise((r) => setTimeout(r, 5));
    const err = fail(table, rows);
    if (err) throw err;
    inserts.push({ table, rows });
  };
  return { client: {} as ClickHouseClient, insert, inserts };
}

function handlerWith(ch: ReturnType<typeof fakeClickHouse>, flushIntervalMs?: number, flushEarlyRows?: number) {
  const sent: OutMessage[] = [];
  const handler = createBatchHandler({
    ...(flushIntervalMs === undefined ? {} : { flushIntervalMs }),
    ...(flushEarlyRows === undefined ? {} : { flushEarlyRows }),
    clickhouse: ch.client,
    insert: ch.insert,
    database: 'db',
    producer: { send: async (m) => void sent.push(...m) },
    topics,
    logger: createLogger('test', 'silent'),
    registry: new Registry(),
  });
  return { handler, sent };
}

const batch = (partition: number, ids: string[]) => ({
  topic: topics.reports,
  partition,
  messages: ids.map((id, i) => ({ offset: String(i), value: report(id) })) as never,
});

describe('batch handler', () => {
  it('inserts the batches handed over together as one insert per table', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch);
    await Promise.all([handler.handleBatch(batch(0, ['a', 'b'])), handler.handleBatch(batch(1, ['c'])), handler.handleBatch(batch(2, ['d']))]);
    expect(ch.inserts).toHaveLength(1);
    expect(ch.inserts[0]!.table).toBe('db.reports');
    expect(ch.inserts[0]!.rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(handler.stats).toMatchObject({ batches: 3, messages: 4, inserts: 1 });
    expect(handler.stats.rows.reports).toBe(4);
  });

  it('hands each batch\'s rows over encoded (RowBinary in the table\'s layout), and their objects again on demand', async () => {
    const parts: Array<{ table: string; parts: RowsPart[] }> = [];
    const handler = createBatchHandler({
      clickhouse: {} as ClickHouseClient,
      insert: async (table, p) => void parts.push({ table, parts: p }),
      database: 'db',
      producer: { send: async () => undefined },
      topics,
      logger: createLogger('test', 'silent'),
      registry: new Registry(),
    });
    const messages = [
      { offset: '0', value: report('a', { text: 'héllo 😀', country: 'DE' }) },
      { offset: '1', value: Buffer.from('{nope') },
      { offset: '2', value: report('b', { text: '😀'.repeat(400) }) }, // valid, not plain: the general path
      { offset: '3', value: report('c') },
    ];
    await handler.handleBatch({ topic: topics.reports, partition: 0, messages: messages as never });
    const reports = parts.filter((p) => p.table === 'reports').flatMap((p) => p.parts);
    expect(reports).toHaveLength(1);
    const [part] = reports;
    const rows = part!.rows();
    expect(rows.map((r) => (r as { id: string }).id)).toEqual(['a', 'b', 'c']);
    expect(part!.count).toBe(3);
    const w = new BinaryWriter();
    const encode = rowBinaryEncoder(LAYOUTS.reports as never) as (w: BinaryWriter, r: Row) => void;
    for (const r of rows) encode(w, r);
    expect(part!.body).toBeDefined();
    expect(Buffer.compare(part!.body!, w.view())).toBe(0);
  });

  it('maps a large backlog batch in slices: its first rows are inserted while the rest are mapped, and it resolves after the last insert', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 2000, 20_000);
    const ids = Array.from({ length: 25_000 }, (_, i) => `r${i}`);
    let resolved = false;
    const done = handler.handleBatch({ ...batch(0, ids), lag: 50_000 }).then(() => void (resolved = true));
    // The first flushEarlyRows rows (two slices) are inserted and acknowledged while the batch is still in hand.
    while (ch.inserts.length === 0) await new Promise((r) => setTimeout(r, 1));
    expect(ch.inserts[0]!.rows).toHaveLength(20_000);
    expect(resolved).toBe(false);
    await done;
    expect(ch.inserts.length).toBeGreaterThan(1);
    expect(ch.inserts.flatMap((i) => i.rows.map((r) => r.id))).toEqual(ids);
    expect(handler.stats).toMatchObject({ batches: 1, messages: 25_000 });
    expect(handler.stats.rows.reports).toBe(25_000);
  });

  it('a backlog batch of fewer than flushEarlyRows rows goes in as one insert, not one per slice', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 2000);
    const ids = Array.from({ length: 25_000 }, (_, i) => `r${i}`);
    await handler.handleBatch({ ...batch(0, ids), lag: 50_000 });
    expect(ch.inserts.map((i) => i.rows.length)).toEqual([25_000]);
  });

  it('a large live batch (not behind) still waits for the flush interval, its slices one insert', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 2000);
    await handler.handleBatch(batch(0, ['a']));
    const t0 = Date.now();
    const ids = Array.from({ length: 25_000 }, (_, i) => `r${i}`);
    await handler.handleBatch({ ...batch(1, ids), lag: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(ch.inserts.map((i) => i.rows.length)).toEqual([1, 25_000]);
  });

  it('fails a large batch when the insert of any of its slices fails, after every slice has settled', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    const ch = fakeClickHouse((_, rows) => (rows.some((r) => r.id === 'r15000') ? refused : null));
    const { handler } = handlerWith(ch, 0, 10_000);
    const ids = Array.from({ length: 25_000 }, (_, i) => `r${i}`);
    await expect(handler.handleBatch({ ...batch(0, ids), lag: 50_000 })).rejects.toMatchObject({ name: 'ClickHouseError', retriable: true });
    expect(handler.stats).toMatchObject({ batches: 0, failedInserts: 1 });
    // Every slice was handed over and settled before the batch failed (nothing left in flight).
    const stored = ch.inserts.flatMap((i) => i.rows.map((r) => r.id));
    expect(stored).not.toContain('r15000');
    expect(stored).toContain('r0');
  });

  it('with a flush interval, gathers the batches of later fetches into one insert, no sooner than the interval', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 200);
    const t0 = Date.now();
    const first = handler.handleBatch(batch(0, ['a']));
    await new Promise((r) => setTimeout(r, 20));
    const second = handler.handleBatch(batch(1, ['b']));
    await new Promise((r) => setTimeout(r, 40));
    const third = handler.handleBatch(batch(2, ['c']));
    await first;
    expect(ch.inserts.map((i) => i.rows.map((r) => r.id))).toEqual([['a']]);
    await Promise.all([second, third]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(195);
    expect(ch.inserts.map((i) => i.rows.map((r) => r.id))).toEqual([['a'], ['b', 'c']]);
    // Past the interval a group goes in at once again.
    await new Promise((r) => setTimeout(r, 250));
    const t1 = Date.now();
    await handler.handleBatch(batch(3, ['d']));
    expect(Date.now() - t1).toBeLessThan(150);
    expect(ch.inserts).toHaveLength(3);
  });

  it('with a flush interval, a group that reaches flushEarlyRows goes in at once', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 10_000, 3);
    await handler.handleBatch(batch(0, ['a']));
    const t0 = Date.now();
    const small = handler.handleBatch(batch(1, ['b']));
    await new Promise((r) => setTimeout(r, 30));
    expect(ch.inserts).toHaveLength(1); // 'b' waits for the interval
    await Promise.all([small, handler.handleBatch(batch(2, ['c', 'd']))]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(ch.inserts.map((i) => i.rows.map((r) => r.id))).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('with a flush interval, a batch that is behind (a backlog) goes in at once', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 10_000);
    await handler.handleBatch(batch(0, ['a']));
    const t0 = Date.now();
    await handler.handleBatch({ ...batch(1, ['b']), lag: 10_000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(ch.inserts.map((i) => i.rows.map((r) => r.id))).toEqual([['a'], ['b']]);
    // The backlog's last batch (lag 0) follows within the interval: still no wait.
    const t1 = Date.now();
    await handler.handleBatch({ ...batch(2, ['c']), lag: 0 });
    expect(Date.now() - t1).toBeLessThan(1000);
    expect(ch.inserts.map((i) => i.rows.map((r) => r.id))).toEqual([['a'], ['b'], ['c']]);
  });

  it('with a flush interval, a commit marker or a small open transaction (lag below 10,000) is not a backlog', async () => {
    const ch = fakeClickHouse();
    const { handler } = handlerWith(ch, 300);
    await handler.handleBatch(batch(0, ['a']));
    const t0 = Date.now();
    const live = handler.handleBatch({ ...batch(1, ['b']), lag: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(ch.inserts).toHaveLength(1);
    await live;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(ch.inserts.map((i) => i.rows.map((r) => r.id))).toEqual([['a'], ['b']]);
  });

  it('rejects every batch of a group whose insert failed, and resolves nothing early', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    const ch = fakeClickHouse(() => refused);
    const { handler } = handlerWith(ch);
    const results = await Promise.allSettled([handler.handleBatch(batch(0, ['a'])), handler.handleBatch(batch(1, ['b']))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'ClickHouseError', retriable: true });
    expect(handler.stats).toMatchObject({ batches: 0, failing: true });
  });

  it('sends bad messages to the dlq table and topic, and stores the good ones', async () => {
    const ch = fakeClickHouse();
    const { handler, sent } = handlerWith(ch);
    await handler.handleBatch({
      topic: topics.reports,
      partition: 4,
      messages: [
        { offset: '10', value: report('ok-1') },
        { offset: '11', value: Buffer.from('{nope') },
      ] as never,
    });
    expect(ch.inserts.find((i) => i.table === 'db.reports')!.rows.map((r) => r.id)).toEqual(['ok-1']);
    expect(ch.inserts.find((i) => i.table === 'db.dlq')!.rows).toMatchObject([{ id: 'sink:t.reports:4:11', code: 'NOT_JSON', payload: '{nope' }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.topic).toBe(topics.dlq);
    expect(JSON.parse(String(sent[0]!.value))).toMatchObject({ id: 'sink:t.reports:4:11', code: 'NOT_JSON' });
    expect(handler.stats.deadLetters).toBe(1);
  });

  it('isolates a row ClickHouse refuses as data (not retriable) and dead-letters only that row', async () => {
    const ch = fakeClickHouse((table, rows) =>
      table === 'db.reports' && rows.some((r) => r.id === 'poison')
        ? Object.assign(new Error('Code: 27. DB::Exception: Cannot parse input'), { code: '27' })
        : null,
    );
    const { handler, sent } = handlerWith(ch);
    await handler.handleBatch(batch(0, ['a', 'b', 'poison', 'c']));
    const stored = ch.inserts.filter((i) => i.table === 'db.reports').flatMap((i) => i.rows.map((r) => r.id));
    expect(stored.sort()).toEqual(['a', 'b', 'c']);
    const dead = ch.inserts.find((i) => i.table === 'db.dlq')!.rows;
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: 'CLICKHOUSE_REJECTED', origin: 'reports (sink insert)' });
    expect(JSON.parse(dead[0]!.payload as string)).toMatchObject({ id: 'poison' });
    expect(sent).toHaveLength(1);
    expect(handler.stats.rows.reports).toBe(3);
  });

  it('does not isolate on an error that is not about the data (unknown table): the batch fails', async () => {
    const ch = fakeClickHouse(() => Object.assign(new Error('Code: 60. Table db.reports does not exist'), { code: '60' }));
    const { handler } = handlerWith(ch);
    await expect(handler.handleBatch(batch(0, ['a', 'b']))).rejects.toMatchObject({ code: '60', retriable: false });
  });
});
