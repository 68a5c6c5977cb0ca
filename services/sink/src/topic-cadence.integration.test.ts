/**
 * The sink with the detector's outputs at their own cadence (DOWNRADAR_SINK_DETECTOR_INTERVAL_MS,
 * topic-cadence.ts) against the real stack: partitions of scores, alerts and trends are paused and
 * resumed by the kafkajs consumer while messages keep arriving, and every message must still land
 * exactly once and be committed. topic-cadence.test.ts checks when it pauses and resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, topicNames, type OutMessage, type Producer } from '@downradar/common';
import { capturedLogger, eventually, groupLag, randomSuffix, testClickHouse, testDatabase, testKafka, testPrefix } from '@downradar/common/testing';
import type { IncidentEvent, ReportEvent, ScoreEvent, TrendEvent } from '../../../schemas/events/index';
import type { Sink } from './app';
import { closeStackSink, startStackSink } from './testing/stack-sink';

const prefix = testPrefix('sink-cadence');
const db = testDatabase('sink_cadence');
const topics = topicNames(prefix);
const kafka = testKafka('sink-cadence-test');
const ch = testClickHouse();
const groupId = `sink-cadence-test-${randomSuffix()}`;
let producer: Producer;
let sink: Sink | undefined;
const sinkLog = capturedLogger('sink', 'warn');

const T0 = Date.UTC(2021, 9, 4, 15, 40, 0);
const SERVICES = ['facebook', 'whatsapp', 'instagram', 'messenger', 'signal', 'telegram'];
const ROUNDS = 6;
const PER_ROUND = 12;
const count = async (sql: string): Promise<number> => Number((await queryRows<{ n: string }>(ch, sql))[0]?.n ?? NaN);
const msg = (topic: string, key: string, value: unknown): OutMessage => ({ topic, key, value: JSON.stringify(value) });

function roundMessages(round: number): OutMessage[] {
  const out: OutMessage[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const serviceId = SERVICES[i % SERVICES.length]!;
    const windowStart = T0 + (round * PER_ROUND + i) * 60_000;
    const score: ScoreEvent = {
      serviceId, windowStart, windowEnd: windowStart + 60_000, count: 3, rawCount: 3, expected: 1, upper: 4, score: 0.5, level: 'ok',
      evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] }, computedAt: windowStart + 61_000,
    };
    const report: ReportEvent = {
      id: `r-${round}-${i}`, serviceId, problem: 'login', country: 'US', at: windowStart + 1_000, receivedAt: windowStart + 2_000, reporterHash: `h-${round}-${i}`, source: 'web',
    };
    out.push(msg(topics.scores, serviceId, score), msg(topics.reports, serviceId, report));
  }
  const incidentId = `inc-${round}`;
  const alert: IncidentEvent = {
    eventId: `${incidentId}:1`, incidentId, seq: 1, type: 'opened', at: T0 + round * 60_000, emittedAt: T0 + round * 60_000 + 1_000, level: 'danger', startedAt: T0,
    services: [{ serviceId: 'facebook', role: 'primary', level: 'danger', firstDangerAt: T0, peakScore: 0.99, peakCount: 10 }], summary: 'facebook down',
  };
  const trend: TrendEvent = { hashtag: `down${round}`, windowStart: T0 + round * 60_000, windowEnd: T0 + (round + 1) * 60_000, count: 30, expected: 0.5, burst: 0.97, trending: true, serviceId: 'facebook', outage: true };
  out.push(msg(topics.alerts, incidentId, alert), msg(topics.trends, trend.hashtag, trend));
  return out;
}

beforeAll(async () => {
  ({ producer, sink } = await startStackSink({
    kafka,
    prefix,
    db,
    groupId,
    logger: sinkLog.logger,
    env: { DOWNRADAR_SINK_FLUSH_INTERVAL_MS: '500', DOWNRADAR_SINK_DETECTOR_INTERVAL_MS: '1500' },
  }));
});

afterAll(() => closeStackSink({ kafka, prefix, db, ch, sink, producer }));

describe('sink with the detector outputs at their own cadence', () => {
  it('stores every score, alert, trend and report exactly once while their partitions are paused and resumed, and commits them', async () => {
    // Rounds spread over several intervals, so that messages arrive on paused partitions.
    for (let round = 0; round < ROUNDS; round++) {
      await producer.send(roundMessages(round));
      await new Promise((r) => setTimeout(r, 700));
    }
    const want: Array<[string, number]> = [
      [`SELECT count() AS n FROM ${db}.scores`, ROUNDS * PER_ROUND],
      [`SELECT uniqExact(service_id, window_start) AS n FROM ${db}.scores`, ROUNDS * PER_ROUND],
      [`SELECT count() AS n FROM ${db}.reports FINAL`, ROUNDS * PER_ROUND],
      [`SELECT count() AS n FROM ${db}.incident_events`, ROUNDS],
      [`SELECT count() AS n FROM ${db}.trends`, ROUNDS],
    ];
    for (const [sql, n] of want) await eventually(async () => ((await count(sql)) === n ? true : undefined), 30_000, sql);
    for (const topic of [topics.scores, topics.alerts, topics.trends, topics.reports]) {
      await eventually(async () => ((await groupLag(kafka, groupId, topic)) === 0 ? true : undefined), 30_000, `the sink through ${topic}`);
    }
    // Stopping resumes what is paused and must not insert anything twice.
    await sink!.stop();
    sink = undefined;
    for (const [sql, n] of want) expect(`${sql} = ${await count(sql)}`).toBe(`${sql} = ${n}`);
    expect(sinkLog.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});
