import { describe, expect, it } from 'vitest';
import type { ScoreEvent, SignalEvent } from '../../../../schemas/events/index';
import { assembleEntries, entriesUnder, type StateRecord } from './checkpoint';
import { resolveDetectorConfig } from '../core/config';
import { serviceInfoFrom } from '../core/facts';
import { generateTraffic, SAMPLE_CATALOG } from '../testing/simulate';
import { PartitionScorer, type SignalCheck } from './partition-scorer';

const info = serviceInfoFrom(SAMPLE_CATALOG);
const config = resolveDetectorConfig({ idleTimeoutMs: 0 });
const check: SignalCheck = (raw) => {
  try {
    const v = JSON.parse(String(raw)) as SignalEvent;
    if (typeof v.serviceId !== 'string') return { ok: false, field: 'serviceId', reason: 'is required' };
    return { ok: true, value: v };
  } catch {
    return { ok: false, field: '(message)', reason: 'not JSON' };
  }
};

function apply(topic: Map<string, string>, records: StateRecord[]): void {
  for (const r of records) {
    if (r.value === null) topic.delete(r.key);
    else topic.set(r.key, r.value);
  }
}

const signals = generateTraffic({
  seed: 11,
  from: Date.UTC(2021, 9, 4, 14, 0),
  to: Date.UTC(2021, 9, 4, 16, 30),
  services: [
    { serviceId: 'facebook', perMinute: (t) => (t >= Date.UTC(2021, 9, 4, 15, 40) ? 200 : 5), hashtags: ['facebookdown'] },
    { serviceId: 'netflix', perMinute: () => 2 },
  ],
  repeatShare: 0.3,
  maxDelayMs: 5_000,
});
const messages = signals.map((s, i) => ({ offset: String(i), value: JSON.stringify(s) }));
const strip = (s: ScoreEvent) => ({ ...s, computedAt: 0 });

describe('PartitionScorer', () => {
  it('resumes from its committed checkpoint exactly where it was: same scores, same state, redeliveries skipped', () => {
    const topic = new Map<string, string>();
    const a = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    const uninterrupted: ScoreEvent[] = [];
    const batches: (typeof messages)[] = [];
    for (let i = 0; i < messages.length; i += 250) batches.push(messages.slice(i, i + 250));
    const cut = Math.floor(batches.length * 0.6);
    for (const [n, batch] of batches.entries()) {
      a.ingest(batch, check, n + 1);
      uninterrupted.push(...a.advance(n + 1).scores);
      if (n < cut) {
        const diff = a.checkpoint();
        apply(topic, diff.records);
        diff.commit();
      }
    }
    // A restart after batch `cut`: restore from the topic, kafkajs redelivers from an older offset.
    const b = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    b.restore(entriesUnder(assembleEntries(topic), PartitionScorer.prefixOf(0)));
    expect(b.nextOffset).toBe(BigInt(cut * 250));
    const resumed: ScoreEvent[] = [];
    let skipped = 0;
    for (const [n, batch] of batches.entries()) {
      if (n < cut - 3) continue; // redelivered from a few batches back
      const r = b.ingest(batch, check, n + 1);
      skipped += r.skipped;
      resumed.push(...b.advance(n + 1).scores);
    }
    expect(skipped).toBe(3 * 250);
    const tail = uninterrupted.filter((s) => s.windowStart >= (resumed[0]?.windowStart ?? Infinity));
    expect(resumed.length).toBeGreaterThanOrEqual(40);
    expect(resumed.map(strip)).toEqual(tail.map(strip));
    const minute = 15 * 60 + 2 * 24 * 60; // Monday 15:00 UTC... any minute works
    expect(b.detector.baselineFor('facebook', minute)).toEqual(a.detector.baselineFor('facebook', minute));
    const snapA = a.detector.snapshot();
    const snapB = b.detector.snapshot();
    expect(snapB['service:facebook']).toEqual(snapA['service:facebook']);
    expect(snapB['dedupe:facebook']).toEqual(snapA['dedupe:facebook']);
  });

  it('dead-letters a message that is not a SignalEvent, with the partition and offset in its id', () => {
    const s = new PartitionScorer('t.signals', 4, config, info, () => undefined, 0);
    const r = s.ingest([{ offset: '17', value: 'not json' }], check, 123);
    expect(r.dlq).toEqual([
      expect.objectContaining({ id: 'detector-invalid:t.signals-4-17', at: 123, origin: 't.signals/detector', code: 'INVALID_SIGNAL', payload: 'not json' }),
    ]);
    expect(r.nextOffset).toBe('18');
  });

  it('announces an empty partition as idle after the grace period and once read to its end, with that end offset', () => {
    const s = new PartitionScorer('signals', 1, config, info, () => undefined, 1000);
    const end0 = { low: 0n, high: 0n };
    expect(s.announcement(1000, 5000, end0)).toEqual({ idle: false, closedUpTo: null, idleAt: null });
    s.announced = { idle: false, closedUpTo: null, idleAt: null };
    expect(s.announcement(3000, 5000, end0)).toBeUndefined();
    expect(s.announcement(6000, 5000)).toBeUndefined(); // end offsets unknown: not idle
    expect(s.announcement(6000, 5000, { low: 0n, high: 3n })).toBeUndefined(); // 3 signals not read yet: not idle
    expect(s.announcement(6000, 5000, end0)).toEqual({ idle: true, closedUpTo: null, idleAt: '0' });
    s.announced = { idle: true, closedUpTo: null, idleAt: '0' };
    // Read to its end, only messages that are not signals: still idle, at the new end.
    s.ingest([{ offset: '0', value: 'not json' }], check, 6500);
    expect(s.announcement(6500, 5000, { low: 0n, high: 1n })).toEqual({ idle: true, closedUpTo: null, idleAt: '1' });
    s.ingest(messages.slice(0, 2000).map((m, i) => ({ ...m, offset: String(i + 1) })), check, 7000);
    s.advance(7000);
    expect(s.announcement(7000, 5000, { low: 0n, high: 2001n })).toEqual({ idle: false, closedUpTo: expect.any(Number), idleAt: null });
    // Retention deleted everything before offset 50 and nothing was ever read: read to the end all the same.
    const fresh = new PartitionScorer('signals', 2, config, info, () => undefined, 0);
    expect(fresh.announcement(10_000, 5000, { low: 50n, high: 50n })).toEqual({ idle: true, closedUpTo: null, idleAt: '50' });
  });
});
