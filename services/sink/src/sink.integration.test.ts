/**
 * The sink against the real stack: a throwaway topic prefix and database per file.
 *
 * The ClickHouse-stopped case stops the shared server (infra/clickhouse/clickhouse.sh down) for
 * DOWNRADAR_TEST_CH_OUTAGE_S seconds (default 20 here; the reliability drills run the full 60 s
 * of issue 6), and always starts it again in a finally block.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  queryRows,
  repoRoot,
  signalMessages,
  topicNames,
  type OutMessage,
  type Producer,
} from '@downradar/common';
import { capturedLogger, eventually, groupLag, randomSuffix, readTopic, testClickHouse, testDatabase, testKafka, testPrefix } from '@downradar/common/testing';
import type { DlqRecord, IncidentEvent, PostEvent, ReportEvent, ScoreEvent, SignalEvent, TrendEvent } from '../../../schemas/events/index';
import type { Sink } from './app';
import { closeStackSink, startStackSink } from './testing/stack-sink';
import { LAYOUTS, TABLES } from './rows';

const prefix = testPrefix('sink');
const db = testDatabase('sink');
const topics = topicNames(prefix);
const kafka = testKafka('sink-test');
const ch = testClickHouse();
let producer: Producer;
let sink: Sink;
const groupId = `sink-test-${randomSuffix()}`;
// What the sink logs (the ClickHouse outage below provokes errors on purpose) is kept and asserted on.
const sinkLog = capturedLogger('sink', 'warn');

const T0 = Date.UTC(2021, 9, 4, 15, 40, 0);
const count = async (sql: string): Promise<number> => Number((await queryRows<{ n: string }>(ch, sql))[0]?.n ?? NaN);

function report(id: string, over: Partial<ReportEvent> = {}): ReportEvent {
  return {
    id,
    serviceId: 'facebook',
    problem: 'login',
    country: 'US',
    at: T0 + 1234,
    receivedAt: T0 + 2000,
    reporterHash: `h-${id}`,
    source: 'web',
    ...over,
  };
}
const msg = (topic: string, key: string, value: unknown): OutMessage => ({ topic, key, value: typeof value === 'string' ? value : JSON.stringify(value) });

beforeAll(async () => {
  ({ producer, sink } = await startStackSink({
    kafka,
    prefix,
    db,
    groupId,
    logger: sinkLog.logger,
    env: {
      DOWNRADAR_SINK_INSERT_TIMEOUT_MS: '5000',
      // The same tests through the decoding thread: DOWNRADAR_SINK_DECODE_THREADS=1 npx vitest run ...
      ...(process.env.DOWNRADAR_SINK_DECODE_THREADS ? { DOWNRADAR_SINK_DECODE_THREADS: process.env.DOWNRADAR_SINK_DECODE_THREADS } : {}),
      // And with the detector's outputs at their own cadence (topic-cadence.ts): DOWNRADAR_SINK_DETECTOR_INTERVAL_MS=3000 npx vitest run ...
      ...(process.env.DOWNRADAR_SINK_DETECTOR_INTERVAL_MS ? { DOWNRADAR_SINK_DETECTOR_INTERVAL_MS: process.env.DOWNRADAR_SINK_DETECTOR_INTERVAL_MS } : {}),
    },
  }));
});

afterAll(() => closeStackSink({ kafka, prefix, db, ch, sink, producer }));

describe('sink', () => {
  it('lands a message of every topic in its table', async () => {
    const post: PostEvent = { id: 'p-1', at: T0, receivedAt: T0 + 5, text: 'is facebook down?? #facebookdown', source: 'twitter', authorHash: 'a1', country: 'GB' };
    const signal: SignalEvent = {
      id: 'p-1:facebook', sourceId: 'p-1', serviceId: 'facebook', kind: 'hashtag', at: T0, receivedAt: T0 + 5,
      outage: true, problem: 'other', confidence: 0.8, hashtags: ['facebookdown'],
    };
    const score: ScoreEvent = {
      serviceId: 'facebook', windowStart: T0, windowEnd: T0 + 60_000, count: 10, rawCount: 11, expected: 1.5, upper: 4, score: 0.99, level: 'danger',
      evidence: { problems: [{ key: 'login', count: 10 }], countries: [{ key: 'US', count: 10 }], hashtags: [{ key: 'facebookdown', count: 1 }], samplePostIds: ['p-1'] },
      computedAt: T0 + 61_000,
    };
    const services: IncidentEvent['services'] = [{ serviceId: 'facebook', role: 'primary', level: 'danger', firstDangerAt: T0, peakScore: 0.99, peakCount: 10 }];
    const opened: IncidentEvent = {
      eventId: 'inc-1:1', incidentId: 'inc-1', seq: 1, type: 'opened', at: T0 + 60_000, emittedAt: T0 + 61_000, level: 'danger', startedAt: T0, services, summary: 'facebook down',
    };
    const resolved: IncidentEvent = { ...opened, eventId: 'inc-1:2', seq: 2, type: 'resolved', at: T0 + 3_600_000, emittedAt: T0 + 3_601_000, level: 'ok', resolvedAt: T0 + 3_600_000 };
    const trend: TrendEvent = { hashtag: 'facebookdown', windowStart: T0, windowEnd: T0 + 60_000, count: 30, expected: 0.5, burst: 0.97, trending: true, serviceId: 'facebook', outage: true };
    const dead: DlqRecord = { id: 'ingest:x1', at: T0, origin: 'POST /v1/reports (ingest)', code: 'LATE_EVENT', reason: 'at is more than 7 days back', payload: '{}' };
    await producer.send([
      msg(topics.reports, 'facebook', report('r-all-1')),
      msg(topics.posts, 'p-1', post),
      msg(topics.signals, 'facebook', signal),
      msg(topics.scores, 'facebook', score),
      msg(topics.alerts, 'inc-1', opened),
      msg(topics.alerts, 'inc-1', resolved),
      msg(topics.trends, 'facebookdown', trend),
      msg(topics.dlq, 'ingest', dead),
    ]);
    await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.dlq WHERE id = 'ingest:x1'`)) === 1 ? true : undefined), 30_000, 'dlq row');
    const expectations: Array<[string, number]> = [
      [`SELECT count() AS n FROM ${db}.reports FINAL WHERE id = 'r-all-1' AND at = toDateTime('2021-10-04 15:40:01') AND at_ms = ${T0 + 1234}`, 1],
      [`SELECT count() AS n FROM ${db}.posts WHERE id = 'p-1' AND country = 'GB' AND lang = ''`, 1],
      [`SELECT count() AS n FROM ${db}.signals WHERE id = 'p-1:facebook' AND outage = 1 AND hashtags = ['facebookdown']`, 1],
      [`SELECT count() AS n FROM ${db}.scores WHERE service_id = 'facebook' AND level = 'danger' AND evidence_problems = ['login']`, 1],
      [`SELECT count() AS n FROM ${db}.incident_events WHERE incident_id = 'inc-1'`, 2],
      [`SELECT count() AS n FROM ${db}.trends WHERE hashtag = 'facebookdown' AND outage = 1`, 1],
      [`SELECT count() AS n FROM ${db}.incidents_with_duration WHERE incident_id = 'inc-1' AND status = 'resolved' AND duration_s = 3600`, 1],
      [`SELECT count() AS n FROM ${db}.hashtag_volume_per_minute WHERE hashtag = 'facebookdown' AND uses = 1 AND outage_uses = 1`, 1],
      [`SELECT sum(reports) AS n FROM ${db}.report_volume_per_minute WHERE service_id = 'facebook' AND minute = toDateTime('2021-10-04 15:40:00')`, 1],
    ];
    for (const [sql, n] of expectations) {
      await eventually(async () => ((await count(sql)) === n ? true : undefined), 30_000, sql);
    }
    expect(sink.stats.messages).toBeGreaterThanOrEqual(8);
  });

  it('writes each table in its column types (RowBinary carries no names: the layout must match the migrated table)', async () => {
    for (const table of TABLES) {
      const described = await queryRows<{ name: string; type: string }>(ch, `DESCRIBE TABLE ${db}.${table}`);
      const types = new Map(described.map((c) => [c.name, c.type]));
      for (const [column, type] of LAYOUTS[table]) expect(`${table}.${column} ${types.get(column)}`).toBe(`${table}.${column} ${type}`);
    }
  });

  it('stores each signal of a batch message (SignalBatch) and dead-letters a bad element alone', async () => {
    const s = (id: string, over: Partial<SignalEvent> = {}): SignalEvent => ({
      id, sourceId: id, serviceId: 'whatsapp', kind: 'report', at: T0, receivedAt: T0, outage: true, problem: 'messaging', confidence: 1, hashtags: [], ...over,
    });
    await producer.send([msg(topics.signals, 'whatsapp', [s('sb-1'), s('sb-2'), { ...s('sb-3'), confidence: 3 }, s('sb-4')])]);
    await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.signals WHERE id LIKE 'sb-%'`)) === 3 ? true : undefined), 30_000, 'batch signals stored');
    await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.dlq FINAL WHERE id LIKE 'sink:${topics.signals}:%.2'`)) === 1 ? true : undefined), 30_000, 'bad element dead-lettered');
    expect(await count(`SELECT uniqExactMerge(signals) AS n FROM ${db}.signal_volume_1m WHERE service_id = 'whatsapp' AND minute = toStartOfMinute(toDateTime(${Math.floor(T0 / 1000)}))`)).toBeGreaterThanOrEqual(3);
  });

  it('stores the signals of a binary message (the form the replay writes) like those of a JSON batch', async () => {
    const s = (id: string): SignalEvent => ({
      id, sourceId: id, serviceId: 'telegram', kind: 'mention', at: T0, receivedAt: T0, outage: true, problem: 'messaging', confidence: 0.5, country: 'DE', hashtags: ['telegramdown'],
    });
    const messages = signalMessages(topics.signals, [s('bin-1'), s('bin-2'), s('bin-3')]);
    expect(messages.map((m) => Buffer.isBuffer(m.value))).toEqual([true]);
    await producer.send(messages);
    await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.signals WHERE id LIKE 'bin-%' AND country = 'DE' AND hashtags = ['telegramdown']`)) === 3 ? true : undefined), 30_000, 'binary signals stored');
  });

  it('sends a bad message to the dlq table and the dlq topic with a reason, and keeps going', async () => {
    await producer.send([
      msg(topics.reports, 'facebook', '{"id": "broken'),
      msg(topics.reports, 'facebook', { ...report('r-bad-2'), serviceId: 'Not A Slug' }),
      msg(topics.reports, 'facebook', report('r-after-bad')),
    ]);
    const rows = await eventually(async () => {
      const r = await queryRows<{ id: string; code: string; reason: string; origin: string; payload: string }>(
        ch,
        `SELECT id, code, reason, origin, payload FROM ${db}.dlq FINAL WHERE origin = '${topics.reports} (sink)' ORDER BY code`,
      );
      return r.length === 2 ? r : undefined;
    }, 30_000, 'two dead letters');
    expect(rows.map((r) => r.code)).toEqual(['INVALID_MESSAGE', 'NOT_JSON']);
    expect(rows[0]!.reason).toMatch(/serviceId/);
    expect(rows[1]!.payload).toBe('{"id": "broken');
    expect(rows.every((r) => /^sink:.*\.reports:\d+:\d+$/.test(r.id))).toBe(true);
    await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.reports WHERE id = 'r-after-bad'`)) === 1 ? true : undefined), 30_000, 'report after bad ones');

    // The dlq topic also holds what earlier tests dead-lettered (a bad element of a signal batch):
    // this test's records are the reports topic's, read until both are there.
    const records = await eventually(async () => {
      const published = await readTopic(kafka, topics.dlq, 1_000_000, 2_000);
      const mine = published.map((m) => JSON.parse(m.value!.toString()) as DlqRecord).filter((r) => r.origin === `${topics.reports} (sink)`);
      return mine.length >= 2 ? mine : undefined;
    }, 30_000, 'the reports dead letters on the dlq topic');
    expect(records.map((r) => r.code).sort()).toEqual(['INVALID_MESSAGE', 'NOT_JSON']);
    // The sink reads its own records back from the dlq topic: still one row each, once it has
    // stored and committed everything on that topic (it commits only after ClickHouse acknowledged).
    await eventually(async () => ((await groupLag(kafka, groupId, topics.dlq)) === 0 ? true : undefined), 30_000, 'the sink through the dlq topic');
    expect(await count(`SELECT count() AS n FROM ${db}.dlq FINAL WHERE origin = '${topics.reports} (sink)'`)).toBe(2);
    const metrics = await (await fetch(`http://127.0.0.1:${sink.port}/metrics`)).text();
    expect(metrics).toMatch(/sink_dlq_total\{code="NOT_JSON"[^}]*\} 1/);
  });

  it('counts a redelivered report once, in the rollup and with FINAL', async () => {
    const r = report('r-dup-1', { serviceId: 'whatsapp', at: T0 + 5 * 60_000 });
    await producer.send([msg(topics.reports, 'whatsapp', r)]);
    await producer.send([msg(topics.reports, 'whatsapp', r)]);
    await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.reports WHERE id = 'r-dup-1'`)) === 2 ? true : undefined), 30_000, 'both copies inserted');
    expect(await count(`SELECT count() AS n FROM ${db}.reports FINAL WHERE id = 'r-dup-1'`)).toBe(1);
    expect(await count(`SELECT uniqExactMerge(reports) AS n FROM ${db}.report_volume_1m WHERE service_id = 'whatsapp'`)).toBe(1);
    expect(await count(`SELECT sum(reports) AS n FROM ${db}.report_volume_per_15m WHERE service_id = 'whatsapp'`)).toBe(1);
  });

  it('serves /healthz and /metrics', async () => {
    const health = await fetch(`http://127.0.0.1:${sink.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, status: 'ok' });
    const metrics = await (await fetch(`http://127.0.0.1:${sink.port}/metrics`)).text();
    expect(metrics).toMatch(/sink_rows_written_total\{table="reports"[^}]*\} \d+/);
    expect(metrics).toMatch(/sink_batch_duration_ms_bucket/);
    expect((await fetch(`http://127.0.0.1:${sink.port}/nope`)).status).toBe(404);
  });
});

const OUTAGE_S = Number(process.env.DOWNRADAR_TEST_CH_OUTAGE_S ?? 20);

function clickhouseScript(cmd: 'up' | 'down'): void {
  const r = spawnSync('bash', [`${repoRoot}/infra/clickhouse/clickhouse.sh`, cmd], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`clickhouse.sh ${cmd} failed (${r.status}): ${r.stderr}`);
}

describe('sink with ClickHouse stopped', () => {
  it(
    `pauses while ClickHouse is down for ${OUTAGE_S} s under load, then catches up with exact counts`,
    async () => {
      const service = 'instagram';
      let produced = 0;
      let sending = true;
      const ids: string[] = [];
      // Steady load: 100 reports every 100 ms (1000/s), plus a redelivery of every 50th report.
      const load = (async () => {
        while (sending) {
          const batch: OutMessage[] = [];
          for (let i = 0; i < 100; i++) {
            const id = `r-out-${produced++}`;
            ids.push(id);
            batch.push(msg(topics.reports, service, report(id, { serviceId: service, at: T0 + (produced % 3600) * 1000 })));
            if (produced % 50 === 0) batch.push(msg(topics.reports, service, report(id, { serviceId: service, at: T0 + (produced % 3600) * 1000 })));
          }
          await producer.send(batch);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const failuresBefore = sink.stats.failedInserts;
      try {
        await eventually(async () => ((await count(`SELECT count() AS n FROM ${db}.reports WHERE service_id = '${service}'`)) > 0 ? true : undefined), 30_000, 'load flowing');
        clickhouseScript('down');
        const downAt = Date.now();
        // While it is down the sink fails, pauses and retries; /readyz says so, /healthz stays up.
        await eventually(async () => (sink.stats.failedInserts > failuresBefore ? true : undefined), 30_000, 'sink noticing the outage');
        expect((await fetch(`http://127.0.0.1:${sink.port}/readyz`)).status).toBe(503);
        expect((await fetch(`http://127.0.0.1:${sink.port}/healthz`)).status).toBe(200);
        // ...and says so in its log, with the cause.
        const retrying = await eventually(
          async () => sinkLog.lines.find((l) => l.msg === 'batch failed, partition paused, retrying'),
          30_000,
          "the sink's log line about the failed batch",
        );
        expect(String(retrying.err)).toMatch(/ECONNREFUSED|ClickHouse|connect|socket|timeout/i);
        const rest = OUTAGE_S * 1000 - (Date.now() - downAt);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      } finally {
        clickhouseScript('up');
        await eventually(async () => ((await ch.ping()).success ? true : undefined), 60_000, 'ClickHouse answering again');
      }
      // Load goes on after the restart until reports produced after it have landed, then stops.
      const firstAfter = produced;
      await eventually(
        async () => ((await count(`SELECT count() AS n FROM ${db}.reports WHERE service_id = '${service}' AND startsWith(id, 'r-out-') AND toUInt64OrZero(substring(id, 7)) >= ${firstAfter}`)) > 0 ? true : undefined),
        60_000,
        'reports produced after the restart stored',
      );
      sending = false;
      await load;
      const expected = produced;
      await eventually(
        async () => ((await count(`SELECT count() AS n FROM ${db}.reports FINAL WHERE service_id = '${service}'`)) === expected ? true : undefined),
        120_000,
        `${expected} reports with FINAL`,
      );
      expect(await count(`SELECT uniqExactMerge(reports) AS n FROM ${db}.report_volume_1m WHERE service_id = '${service}'`)).toBe(expected);
      expect(await count(`SELECT sum(reports) AS n FROM ${db}.report_volume_per_minute WHERE service_id = '${service}'`)).toBe(expected);
      expect(await count(`SELECT uniqExact(id) AS n FROM ${db}.reports WHERE service_id = '${service}'`)).toBe(expected);
      expect(sink.stats.failedInserts).toBeGreaterThan(failuresBefore);
      await eventually(async () => ((await fetch(`http://127.0.0.1:${sink.port}/readyz`)).status === 200 ? true : undefined), 30_000, 'ready again');
    },
    OUTAGE_S * 1000 + 240_000,
  );
});
