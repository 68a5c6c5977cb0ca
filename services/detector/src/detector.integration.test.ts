/**
 * The detector against the real broker (DOWNRADAR_KAFKA_BROKERS, 127.0.0.1:9092 by default), built in-process with a throwaway topic
 * prefix: signals of a spiking service in, scores and an `opened` incident out, a bad message to
 * the DLQ, all committed with Kafka transactions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, ensureTopics, loadConfig, topicNames } from '@downradar/common';
import { eventually, testKafka, testPrefix } from '@downradar/common/testing/index';
import type { DlqRecord, IncidentEvent, ScoreEvent, TrendEvent } from '../../../schemas/events/index';
import { createDetectorService, type DetectorService } from './app';
import { detectorConfigSpec } from './config';
import { catalogTraffic, groupLag, produceSignals, readAll, readJson, testDetectorEnv } from './testing/testkit';

const MIN = 60_000;
const kafka = testKafka('detector-test');
const prefixes: string[] = [];
const services: DetectorService[] = [];

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  for (const p of prefixes) await deleteTopicsWithPrefix(kafka, p).catch(() => undefined);
});

function build(prefix: string, instance: string, extra: Record<string, string> = {}): DetectorService {
  const s = createDetectorService(loadConfig(detectorConfigSpec, testDetectorEnv(prefix, instance, extra)));
  services.push(s);
  return s;
}

describe('detector service (Kafka)', () => {
  it('scores a spiking service, opens an incident on the alerts topic, dead-letters a bad message', async () => {
    const prefix = testPrefix('detector');
    prefixes.push(prefix);
    const topics = topicNames(prefix);
    await ensureTopics(kafka, { prefix, partitions: 3 });

    const from = Date.UTC(2021, 9, 4, 14, 0);
    const onset = Date.UTC(2021, 9, 4, 15, 40);
    const signals = catalogTraffic({
      seed: 5,
      from,
      to: Date.UTC(2021, 9, 4, 16, 0),
      services: ['facebook', 'netflix', 'spotify', 'slack'],
      outages: { facebook: [onset, Date.UTC(2021, 9, 4, 17, 0), 40] },
      hashtags: { facebook: ['facebookdown'] },
    });
    await produceSignals(kafka, topics.signals, signals);
    // and one message that is not a signal
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.signals, messages: [{ key: 'facebook', value: '{"serviceId":"facebook"}' }] });
    await producer.disconnect();

    // The detector starts once every signal is in Kafka, and every partition has some (slack
    // hashes to partition 1, spotify to 0, facebook and netflix to 2). A partition it has read
    // nothing from counts as empty and, after the empty-partition grace, stops holding back
    // incident grouping. Started first with a 1-s grace, the detector declared facebook's
    // partition empty whenever the signals came later than that, spotify's windows ran ahead,
    // and the incident opened from 15:49 instead of the onset. With the data there first and the
    // default grace (10 s), no partition that has signals is ever taken for empty.
    const svc = build(prefix, 'a');
    await svc.start();
    await eventually(async () => ((await fetch(`http://127.0.0.1:${svc.port}/readyz`)).ok ? true : undefined), 60_000, 'readyz');

    await eventually(async () => ((await groupLag(kafka, `${prefix}-detector`, topics.signals)) === 0 ? true : undefined), 60_000, 'signals consumed');
    const alerts = await eventually(
      async () => {
        const a = await readJson<IncidentEvent>(kafka, topics.alerts);
        return a.some((e) => e.type === 'opened') ? a : undefined;
      },
      60_000,
      'an opened incident',
    );
    const opened = alerts.find((e) => e.type === 'opened')!;
    expect(opened.incidentId).toMatch(/^inc-meta-2021100415[34]\d$/);
    expect(opened.services.map((s) => s.serviceId)).toEqual(['facebook']);
    expect(opened.at).toBeGreaterThanOrEqual(onset);
    expect(opened.at).toBeLessThanOrEqual(onset + 3 * MIN);

    const scores = await readJson<ScoreEvent>(kafka, topics.scores);
    const fb = scores.filter((s) => s.serviceId === 'facebook');
    expect(new Set(fb.map((s) => s.windowStart)).size).toBe(fb.length); // once per window
    expect(fb.find((s) => s.windowStart === onset + 2 * MIN)?.level).not.toBe('ok');
    expect(fb.filter((s) => s.windowStart < onset - 10 * MIN).every((s) => s.level === 'ok')).toBe(true);
    expect(new Set(scores.map((s) => s.serviceId))).toEqual(new Set(['facebook', 'netflix', 'spotify', 'slack']));

    const dlq = await readJson<DlqRecord>(kafka, topics.dlq);
    expect(dlq.filter((d) => d.code === 'INVALID_SIGNAL')).toHaveLength(1);
    const trends = await readJson<TrendEvent>(kafka, topics.trends);
    expect(trends.some((t) => t.hashtag === 'facebookdown' && t.trending && t.serviceId === 'facebook')).toBe(true);

    const metrics = await (await fetch(`http://127.0.0.1:${svc.port}/metrics`)).text();
    expect(metrics).toMatch(/detector_alert_latency_ms_count\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/detector_transactions_total\{stage="scoring",result="committed"[^}]*\} [1-9]/);
    // Batches that publish no incident event are committed with a later one (within
    // DOWNRADAR_DETECTOR_QUIET_COMMIT_MS), not one transaction each.
    expect(metrics).toMatch(/detector_batches_deferred_total\{stage="incidents"[^}]*\} [1-9]/);
    // The trend tracker's source cache has entries of its own (base and deltas), not inside `trends`.
    const stateKeys = new Set((await readAll(kafka, topics.detectorState)).map((m) => m.key));
    expect(stateKeys.has('trends@a/trend-sources')).toBe(true);
    const status = (await (await fetch(`http://127.0.0.1:${svc.port}/debug/status`)).json()) as { scoring: { partitions: number[] }; incidents: { active: boolean } };
    expect(status.scoring.partitions).toEqual([0, 1, 2]);
    expect(status.incidents.active).toBe(true);
    const baseline = (await (await fetch(`http://127.0.0.1:${svc.port}/debug/baseline?service=netflix&minuteOfWeek=900`)).json()) as { expectedPerMinute: number };
    expect(baseline.expectedPerMinute).toBeGreaterThan(0);
  });
});
