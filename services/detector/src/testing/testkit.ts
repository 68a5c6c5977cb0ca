/**
 * Helpers for the detector's integration tests and benchmark (real Kafka, throwaway prefixes):
 * produce signals, read a topic back to its end (read_committed), wait until the scoring group's
 * committed offsets reach the end of downradar.signals, and a catalog-rate traffic generator.
 */
import { createProducer, SignalSlicer, type Kafka, type OutMessage } from '@downradar/common';
import { loadCatalog } from '../../../../schemas/catalog/index';
import type { SignalEvent } from '../../../../schemas/events/index';
import { generateTraffic, type ServiceTraffic } from './simulate';
import { readToEnd } from '../kafka/state-topic';
import { STACK_ENV } from '@downradar/common/testing';

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  timestamp: number;
}

/** Every committed message of a topic, from the beginning to the current end. */
export async function readAll(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const out: ReadMessage[] = [];
  await readToEnd(kafka, topic, { groupPrefix: 'test-read', timeoutMs }, (m, partition) => {
    if (m.value === null) return;
    out.push({ partition, offset: m.offset, key: m.key?.toString('utf8') ?? null, value: m.value.toString('utf8'), timestamp: Number(m.timestamp) });
  });
  return out;
}

export async function readJson<T>(kafka: Kafka, topic: string): Promise<T[]> {
  return (await readAll(kafka, topic)).map((m) => JSON.parse(m.value) as T);
}

/**
 * Produces in sends of `chunk` signals (small chunks make small record batches, hence small
 * fetches). `json`: one JSON SignalEvent a message (the oldest form); `binary`: binary messages of
 * one service per 5 s slice of event time, as the producers write them now (SignalSlicer).
 */
export async function produceSignals(kafka: Kafka, topic: string, signals: readonly SignalEvent[], chunk = 20_000, form: 'json' | 'binary' = 'json'): Promise<void> {
  const producer = createProducer({ kafka, lingerMs: chunk >= 1000 ? 5 : 0 });
  await producer.connect();
  try {
    for (let i = 0; i < signals.length; i += chunk) {
      const part = signals.slice(i, i + chunk);
      if (form === 'json') {
        await producer.send(part.map((s) => ({ topic, key: s.serviceId, value: JSON.stringify(s) })));
        continue;
      }
      const out: OutMessage[] = [];
      const slicer = new SignalSlicer(topic);
      for (const s of part) slicer.add({ serviceId: s.serviceId, signal: s }, s.at, out);
      slicer.flush(out);
      await producer.send(out);
    }
  } finally {
    await producer.close();
  }
}

/** How far a group is behind on a topic (moved to the common test helpers; kept here for the detector's tests and the drills). */
export { groupLag } from '@downradar/common/testing';

/**
 * The environment of a detector under test on the stack under test (STACK_ENV): its own topics
 * (prefix) and groups, 3 partitions, a port the OS picks, no idle shutdown, a 6 s session, warn
 * logs; `extra` adds or overrides variables.
 */
export function testDetectorEnv(prefix: string, instance: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...STACK_ENV,
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_KAFKA_PARTITIONS: '3',
    DOWNRADAR_DETECTOR_PORT: '0',
    DOWNRADAR_DETECTOR_INSTANCE: instance,
    DOWNRADAR_DETECTOR_GROUP_ID: `${prefix}-detector`,
    DOWNRADAR_DETECTOR_INCIDENTS_GROUP_ID: `${prefix}-incidents`,
    DOWNRADAR_DETECTOR_IDLE_TIMEOUT_MS: '0',
    DOWNRADAR_DETECTOR_SESSION_TIMEOUT_MS: '6000',
    DOWNRADAR_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** The services of the catalog with their prior rates, and an outage profile for some of them. */
export function catalogTraffic(opts: {
  seed: number;
  from: number;
  to: number;
  services: string[];
  /** service -> [onset, end, multiplier] */
  outages?: Record<string, [number, number, number]>;
  hashtags?: Record<string, string[]>;
  maxDelayMs?: number;
  scale?: number;
}): SignalEvent[] {
  const catalog = loadCatalog();
  const traffic: ServiceTraffic[] = opts.services.map((id) => {
    const base = (catalog.get(id)?.baselinePerMinute ?? 0.2) * (opts.scale ?? 1);
    const o = opts.outages?.[id];
    return {
      serviceId: id,
      perMinute: o ? (t: number) => (t >= o[0] && t < o[1] ? base * o[2] : base) : () => base,
      ...(opts.hashtags?.[id] ? { hashtags: opts.hashtags[id] } : {}),
    };
  });
  return generateTraffic({ seed: opts.seed, from: opts.from, to: opts.to, services: traffic, maxDelayMs: opts.maxDelayMs ?? 0 });
}
