/**
 * The kafka target against the real broker (bash infra/stack.sh up): a replay slice lands on
 * throwaway topics, every report and post exactly once, in the event contract's shape, keyed as
 * ingest keys them, with signals when a signal maker is given, and the signals of each partition
 * in emission order up to the replay's maxDisorderMs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, deleteTopicsWithPrefix, readSignalMessage } from '@downradar/common';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { PostEvent, ReportEvent, SignalEvent } from '../../../schemas/events/index';
import { generateEvents } from './generator';
import type { SignalMaker } from './kafka-target';
import { DEFAULT_MAX_DISORDER_MS, runReplay } from './replay';
import { loadScenario } from './scenario-loader';

const brokers = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const prefix = `test-replay-${randomBytes(4).toString('hex')}`;
const kafka = createKafka({ brokers, clientId: 'replay-integration-test' });

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, prefix);
});

/** The signals of a signals message, either form (binary or JSON; readSignalMessage), as they decoded. */
function signalsOf(value: Buffer): unknown[] {
  const read = readSignalMessage(value);
  if (!read.ok) throw new Error(`unreadable signals message: ${read.field} ${read.reason}`);
  return read.raw;
}

/** Read every message (every signal of a batch on its own) of the topics until `expected` have arrived (polling, no sleeps to guess). */
async function consumeAll(topics: string[], expected: number, timeoutMs = 60_000) {
  const consumer = kafka.consumer({ groupId: `${prefix}-reader`, maxWaitTimeInMs: 100 });
  const got: { topic: string; key: string | null; value: unknown }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      // a signals message may hold several signals (binary, or a JSON SignalBatch): each is one
      const values = topic.endsWith('.signals') ? signalsOf(message.value!) : [JSON.parse(message.value!.toString()) as unknown];
      for (const v of values) got.push({ topic, key: message.key?.toString() ?? null, value: v });
      if (got.length >= expected) resolveDone();
    },
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
  await consumer.disconnect();
  return got;
}

describe('replay to Kafka', () => {
  it('writes every report and post once, keyed like ingest, with signals from the signal maker', async () => {
    const reportSignals: SignalMaker = {
      signalForReport: (r) => ({
        id: r.id, sourceId: r.id, serviceId: r.serviceId, kind: 'report', at: r.at, receivedAt: r.receivedAt, outage: true,
        problem: r.problem, confidence: 1, hashtags: [], reporterHash: r.reporterHash, ...(r.country ? { country: r.country } : {}),
      }),
      signalsForPost: () => [],
    };
    const summary = await runReplay({
      scenario: 'blip-6min',
      target: 'kafka',
      brokers,
      topicPrefix: prefix,
      signals: reportSignals,
      speed: 'max',
      scale: 1,
      from: '2024-03-12T19:38:00Z',
      to: '2024-03-12T19:52:00Z',
      batchSize: 300,
    });
    expect(summary.stopped).toBe(false);
    expect(summary.reports).toBeGreaterThan(100);
    expect(summary.sent).toBe(summary.reports + summary.posts);
    expect(summary.targetStats).toMatchObject({ reports: summary.reports, posts: summary.posts, signals: summary.reports });

    const total = 2 * summary.reports + summary.posts;
    const got = await consumeAll([`${prefix}.reports`, `${prefix}.posts`, `${prefix}.signals`], total);
    const on = (t: string) => got.filter((m) => m.topic === `${prefix}.${t}`);
    expect(on('reports')).toHaveLength(summary.reports);
    expect(on('posts')).toHaveLength(summary.posts);
    expect(on('signals')).toHaveLength(summary.reports);
    expect(new Set(on('reports').map((m) => (m.value as ReportEvent).id)).size).toBe(summary.reports);

    const checkReport = TypeCompiler.Compile(ReportEvent);
    const checkPost = TypeCompiler.Compile(PostEvent);
    const checkSignal = TypeCompiler.Compile(SignalEvent);
    for (const m of on('reports')) {
      expect(checkReport.Check(m.value), JSON.stringify(m.value)).toBe(true);
      const r = m.value as ReportEvent;
      expect(m.key).toBe(r.serviceId);
      expect(r.source).toBe('replay');
      expect(r.reporterHash).toMatch(/^[0-9a-f]{32}$/);
    }
    for (const m of on('posts')) {
      expect(checkPost.Check(m.value), JSON.stringify(m.value)).toBe(true);
      expect(m.key).toBe((m.value as PostEvent).id);
    }
    for (const m of on('signals')) {
      expect(checkSignal.Check(m.value)).toBe(true);
      expect(m.key).toBe((m.value as SignalEvent).serviceId);
    }
    const blip = on('reports').filter((m) => (m.value as ReportEvent).serviceId === 'discord');
    expect(blip.length).toBeGreaterThan(100); // the six-minute blip is in the slice
  });

  it('writes each signals partition in emission order (within maxDisorderMs), several signals of a service in one message', async () => {
    const topicPrefix = `${prefix}-order`;
    // Reports and posts both make signals of facebook, so both land on one partition.
    const maker: SignalMaker = {
      signalForReport: (r) => ({
        id: r.id, sourceId: r.id, serviceId: r.serviceId, kind: 'report', at: r.at, receivedAt: r.receivedAt, outage: true,
        problem: r.problem, confidence: 1, hashtags: [], reporterHash: r.reporterHash,
      }),
      signalsForPost: (p) => [
        { id: `${p.id}:facebook`, sourceId: p.id, serviceId: 'facebook', kind: 'mention', at: p.at, receivedAt: p.receivedAt, outage: true, problem: 'other', confidence: 0.5, hashtags: [] },
      ],
    };
    const slice = { scale: 0.01, from: '2021-10-04T15:40:00Z', to: '2021-10-04T16:00:00Z' };
    const summary = await runReplay({ scenario: 'fb-2021-10-04', target: 'kafka', brokers, topicPrefix, signals: maker, speed: 'max', ...slice, batchSize: 2000 });
    expect(summary.posts).toBeGreaterThan(100);
    expect(summary.reports).toBeGreaterThan(1000);
    const emitAt = new Map<string, number>();
    for (const e of generateEvents(loadScenario('fb-2021-10-04'), slice)) emitAt.set(e.kind === 'report' ? e.report.id : e.post.id!, e.emitAt);
    const total = summary.reports + summary.posts;
    expect(summary.targetStats).toMatchObject({ signals: total });

    // Every signals message, per partition in offset order.
    const consumer = kafka.consumer({ groupId: `${topicPrefix}-reader`, maxWaitTimeInMs: 100 });
    const byPartition = new Map<number, SignalEvent[]>();
    let signals = 0;
    let batchMessages = 0;
    await consumer.connect();
    await consumer.subscribe({ topics: [`${topicPrefix}.signals`], fromBeginning: true });
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const list = signalsOf(message.value!) as SignalEvent[];
        if (list.length > 1) batchMessages++;
        let mine = byPartition.get(partition);
        if (!mine) byPartition.set(partition, (mine = []));
        for (const s of list) expect(s.serviceId).toBe(message.key?.toString());
        mine.push(...list);
        signals += list.length;
        if (signals >= total) resolveDone();
      },
    });
    await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
    await consumer.disconnect();
    await deleteTopicsWithPrefix(kafka, topicPrefix);

    expect(signals).toBe(total);
    expect(batchMessages).toBeGreaterThan(0);
    for (const [partition, list] of byPartition) {
      let latest = -Infinity;
      let worst = 0;
      for (const s of list) {
        const t = emitAt.get(s.sourceId)!;
        worst = Math.max(worst, latest - t);
        latest = Math.max(latest, t);
      }
      expect(worst, `partition ${partition}: a signal written ${worst} ms of emission time behind a later one`).toBeLessThanOrEqual(DEFAULT_MAX_DISORDER_MS);
    }
  });

  it('says clearly when the broker is not there', async () => {
    await expect(
      runReplay({ scenario: 'blip-6min', target: 'kafka', brokers: ['127.0.0.1:1'], topicPrefix: prefix, signals: 'off', speed: 'max', scale: 0.01 }),
    ).rejects.toThrow(/not reachable.*stack/s);
  });
});
