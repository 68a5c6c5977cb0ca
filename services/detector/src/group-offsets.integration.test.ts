/**
 * The scoring stage's consumed offsets against the real broker: small transactions leave them to
 * the group (stages/group-offsets.ts), the group still reaches the end of the signals, and a
 * restart from a group offset far behind the checkpoints publishes nothing twice (the checkpoint's
 * own offset, not the group's, is what makes the outputs exactly once).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, ensureTopics, loadConfig, topicNames } from '@downradar/common';
import { eventually, testKafka, testPrefix } from '@downradar/common/testing/index';
import type { ScoreEvent } from '../../../schemas/events/index';
import { createDetectorService, type DetectorService } from './app';
import { detectorConfigSpec } from './config';
import { catalogTraffic, groupLag, produceSignals, readJson, testDetectorEnv } from './testing/testkit';

const kafka = testKafka('detector-offsets-test');
const prefixes: string[] = [];
const services: DetectorService[] = [];

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  for (const p of prefixes) await deleteTopicsWithPrefix(kafka, p).catch(() => undefined);
});

function build(prefix: string, instance: string): DetectorService {
  const config = loadConfig(
    detectorConfigSpec,
    // Only the first transaction of a partition carries offsets; the rest go to the group on the tick.
    testDetectorEnv(prefix, instance, { DOWNRADAR_DETECTOR_OFFSET_COMMIT_MS: '60000' }),
  );
  const s = createDetectorService(config);
  services.push(s);
  return s;
}

const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

describe('scoring offsets (Kafka)', () => {
  it('commits small transactions without offsets, the group still reaches the end, and a restart behind the checkpoints publishes no score twice', async () => {
    const prefix = testPrefix('detector-offsets');
    prefixes.push(prefix);
    const topics = topicNames(prefix);
    const groupId = `${prefix}-detector`;
    await ensureTopics(kafka, { prefix, partitions: 3 });
    const signals = catalogTraffic({
      seed: 11,
      from: Date.UTC(2021, 9, 4, 14, 0),
      to: Date.UTC(2021, 9, 4, 14, 40),
      services: ['facebook', 'netflix', 'spotify', 'slack'],
    });

    const first = build(prefix, 'a');
    await first.start();
    await eventually(async () => ((await fetch(`http://127.0.0.1:${first.port}/readyz`)).ok ? true : undefined), 60_000, 'readyz');
    // A live trickle: many small sends, each read before the next is sent, so the stage commits
    // many small transactions of a caught-up stream (on a loaded machine, sends that do not wait
    // could pile up into a backlog read in a few large batches, which carry their offsets).
    const chunk = Math.ceil(signals.length / 40);
    const consumed = async () => metric(await (await fetch(`http://127.0.0.1:${first.port}/metrics`)).text(), /detector_signals_consumed_total(?:\{[^}]*\})? (\d+)/);
    for (let i = 0; i < signals.length; i += chunk) {
      const sent = Math.min(i + chunk, signals.length);
      await produceSignals(kafka, topics.signals, signals.slice(i, sent), chunk);
      await eventually(async () => ((await consumed()) >= sent ? true : undefined), 60_000, `the stage reading the first ${sent} signals`);
    }
    await eventually(async () => ((await groupLag(kafka, groupId, topics.signals)) === 0 ? true : undefined), 60_000, 'the group at the end of the signals');
    const m = await (await fetch(`http://127.0.0.1:${first.port}/metrics`)).text();
    const transactions = metric(m, /detector_transactions_total\{stage="scoring",result="committed"[^}]*\} (\d+)/);
    const inTransaction = metric(m, /detector_offset_commits_total\{how="transaction"[^}]*\} (\d+)/);
    const toGroup = metric(m, /detector_offset_commits_total\{how="group"[^}]*\} (\d+)/);
    expect(toGroup).toBeGreaterThan(0);
    expect(inTransaction).toBeLessThan(transactions);
    await first.stop();
    const scores = await readJson<ScoreEvent>(kafka, topics.scores);
    expect(scores.length).toBeGreaterThan(0);

    // The group's offsets put back to the start: a crash right after the first transactions would
    // leave them behind the checkpoints like this. The checkpoints say what was published.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId, topic: topics.signals, earliest: true });
    } finally {
      await admin.disconnect();
    }
    expect(await groupLag(kafka, groupId, topics.signals)).toBeGreaterThanOrEqual(signals.length);
    const second = build(prefix, 'a');
    await second.start();
    await eventually(async () => ((await groupLag(kafka, groupId, topics.signals)) === 0 ? true : undefined), 60_000, 'the group at the end again');
    const m2 = await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text();
    expect(metric(m2, /detector_signals_redelivered_total(?:\{[^}]*\})? (\d+)/)).toBe(signals.length);
    const again = await readJson<ScoreEvent>(kafka, topics.scores);
    const keys = again.map((s) => `${s.serviceId}@${s.windowStart}`);
    expect(again.length).toBe(scores.length);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
