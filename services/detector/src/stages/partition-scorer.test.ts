import { describe, expect, it } from 'vitest';
import { readSignalMessage, signalMessages } from '@downradar/common';
import type { ScoreEvent, SignalEvent } from '../../../../schemas/events/index';
import { assembleEntries, entriesUnder, type StateRecord } from './checkpoint';
import { resolveDetectorConfig } from '../core/config';
import { serviceInfoFrom } from '../core/facts';
import { generateTraffic, SAMPLE_CATALOG } from '../testing/simulate';
import { PartitionScorer, type SignalRead } from './partition-scorer';

const info = serviceInfoFrom(SAMPLE_CATALOG);
const config = resolveDetectorConfig({ idleTimeoutMs: 0 });
// The consumer's own reader: single signals and batches, each signal validated.
const check: SignalRead = readSignalMessage;

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
      expect.objectContaining({ id: 'detector:t.signals:4:17', at: 123, origin: 't.signals/detector', code: 'INVALID_SIGNAL', payload: 'not json' }),
    ]);
    expect(r.nextOffset).toBe('18');
  });

  it('reads binary signal messages, and dead-letters a binary message that does not decode or an element out of range, with the reason', () => {
    const s = new PartitionScorer('t.signals', 4, config, info, () => undefined, 0);
    const at = Date.UTC(2021, 9, 4, 15, 0);
    const good = { ...signals[0]!, id: 'good', at, receivedAt: at };
    const outOfRange = { ...good, id: 'bad', confidence: 2 };
    const [batch] = signalMessages('t.signals', [good, outOfRange]);
    expect(Buffer.isBuffer(batch!.value)).toBe(true);
    const truncated = (batch!.value as Buffer).subarray(0, 20);
    const r = s.ingest([{ offset: '5', value: batch!.value }, { offset: '6', value: truncated }], check, 7);
    expect(r.accepted).toBe(1);
    expect(r.dlq).toEqual([
      expect.objectContaining({ id: 'detector:t.signals:4:5.1', code: 'INVALID_SIGNAL', reason: expect.stringMatching(/\[1\]\.confidence/), payload: JSON.stringify(outOfRange) }),
      expect.objectContaining({ id: 'detector:t.signals:4:6', code: 'INVALID_SIGNAL', reason: expect.stringMatching(/not a valid binary SignalBatch/), payload: `base64:${truncated.toString('base64')}` }),
    ]);
    expect(r.nextOffset).toBe('7');
  });

  it('dead-letters a late signal under its Kafka position, with the reason of the core and the message as it came', () => {
    const s = new PartitionScorer('t.signals', 4, config, info, () => undefined, 0);
    const at = Date.UTC(2021, 9, 4, 15, 0);
    const early = { ...signals[0]!, id: 'early', at, receivedAt: at };
    const later = { ...signals[0]!, id: 'later', at: at + 5 * 60_000, receivedAt: at + 5 * 60_000 };
    s.ingest([{ offset: '0', value: JSON.stringify(early) }, { offset: '1', value: JSON.stringify(later) }], check, at + 5 * 60_000);
    s.advance(at + 5 * 60_000 + 1000);
    const late = JSON.stringify({ ...early, id: 'late' });
    const r = s.ingest([{ offset: '2', value: late }], check, 999);
    expect(r.dlq).toEqual([expect.objectContaining({ id: 'detector:t.signals:4:2', at: 999, origin: 't.signals/detector', code: 'LATE_EVENT', payload: late })]);
    expect(r.dlq[0]!.reason).toContain('already scored');
    expect(r.accepted).toBe(0);
  });

  it('scores batch messages (SignalBatch) exactly as the same signals one per message', () => {
    const single = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    const batched = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    const a: ScoreEvent[] = [];
    const b: ScoreEvent[] = [];
    for (let i = 0, n = 0; i < signals.length; i += 300, n++) {
      const chunk = signals.slice(i, i + 300);
      single.ingest(chunk.map((sig, k) => ({ offset: String(i + k), value: JSON.stringify(sig) })), check, n + 1);
      a.push(...single.advance(n + 1).scores);
      const packed = signalMessages('signals', chunk).map((m, k) => ({ offset: String(n * 1000 + k), value: m.value }));
      expect(packed.length).toBeLessThan(chunk.length);
      const r = batched.ingest(packed, check, n + 1);
      expect(r.accepted + r.dlq.length).toBe(chunk.length);
      b.push(...batched.advance(n + 1).scores);
    }
    expect(b.length).toBeGreaterThan(100);
    expect(b.map(strip)).toEqual(a.map(strip));
  });

  it('dead-letters a bad element of a batch alone, named by the offset and its index, and counts the others', () => {
    const s = new PartitionScorer('t.signals', 4, config, info, () => undefined, 0);
    const good = signals.filter((x) => x.serviceId === 'facebook').slice(0, 3);
    const bad = { ...good[1]!, problem: 'sad' };
    const r = s.ingest([{ offset: '17', value: JSON.stringify([good[0], bad, good[2]]) }], check, 123);
    expect(r.accepted).toBe(2);
    expect(r.dlq).toEqual([
      expect.objectContaining({ id: 'detector:t.signals:4:17.1', origin: 't.signals/detector', code: 'INVALID_SIGNAL', payload: JSON.stringify(bad) }),
    ]);
    expect(r.dlq[0]!.reason).toMatch(/\[1\]\.problem/);
    expect(r.nextOffset).toBe('18');
  });

  it('dead-letters a late element of a batch (the core refuses it) with its own position and JSON, and counts the others', () => {
    const s = new PartitionScorer('t.signals', 4, config, info, () => undefined, 0);
    const fb = signals.filter((x) => x.serviceId === 'facebook');
    const first = fb[0]!;
    const hourLater = { ...first, id: 'later', at: first.at + 3_600_000, receivedAt: first.receivedAt + 3_600_000 };
    const r0 = s.ingest([{ offset: '5', value: JSON.stringify([first, hourLater]) }], check, 1);
    expect(r0.dlq).toEqual([]);
    s.advance(1);
    expect(s.detector.closedUpTo()).toBeGreaterThan(first.at); // the windows before the hour are closed
    const late = { ...first, id: 'late' };
    const fresh = { ...hourLater, id: 'fresh', at: hourLater.at + 1000, receivedAt: hourLater.receivedAt + 1000 };
    const r = s.ingest([{ offset: '6', value: JSON.stringify([fresh, late]) }], check, 2);
    expect(r.accepted).toBe(1);
    expect(r.dlq).toEqual([expect.objectContaining({ id: 'detector:t.signals:4:6.1', code: 'LATE_EVENT', payload: JSON.stringify(late) })]);
    expect(r.nextOffset).toBe('7');
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

describe('PartitionScorer with external evidence', () => {
  const at = (minute: number) => Date.UTC(2021, 9, 4, 15, minute);
  const evidenceSignal = (kind: 'official' | 'probe', serviceId: string, minute: number, extra: Partial<SignalEvent>): SignalEvent => ({
    id: `${kind}:${serviceId}:${minute}`,
    sourceId: `${kind}:${serviceId}`,
    serviceId,
    kind,
    at: at(minute),
    receivedAt: at(minute),
    outage: false,
    problem: 'other',
    confidence: 1,
    hashtags: [],
    ...extra,
  });

  it('raises a service the provider declares down, even with no report of it, and never counts evidence', () => {
    const scorer = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    const crowd = generateTraffic({ seed: 3, from: at(0), to: at(30), services: [{ serviceId: 'netflix', perMinute: () => 2 }], repeatShare: 0, maxDelayMs: 0 });
    // The poller repeats the page's status at every poll (here every minute from 15:10 on).
    const official = Array.from({ length: 21 }, (_, i) => evidenceSignal('official', 'facebook', 10 + i, { officialStatus: 'major_outage', outage: true }));
    const probe = evidenceSignal('probe', 'netflix', 10, { outage: true });
    const all = [...crowd, ...official, probe].sort((a, b) => a.at - b.at);
    const r = scorer.ingest(all.map((s, i) => ({ offset: String(i), value: JSON.stringify(s) })), check, 1);
    expect(r.dlq).toEqual([]);
    const scores = scorer.advance(2).scores;
    const facebook = scores.filter((s) => s.serviceId === 'facebook');
    expect(facebook.length).toBeGreaterThan(5);
    expect(facebook.every((s) => s.level === 'danger' && s.count === 0 && s.windowStart >= at(10))).toBe(true);
    // The probe failure alone changes nothing for netflix, and evidence is in no count.
    expect(scores.filter((s) => s.serviceId === 'netflix').every((s) => s.level === 'ok')).toBe(true);
    expect(scorer.stats().counted).toBe(crowd.length);
    // Checkpointed with the partition: a restored scorer keeps raising facebook.
    const topic = new Map<string, string>();
    const diff = scorer.checkpoint();
    for (const rec of diff.records) if (rec.value !== null) topic.set(rec.key, rec.value);
    expect([...topic.keys()]).toContain('p0/external');
    const restored = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    restored.restore(entriesUnder(assembleEntries(topic), 'p0/'));
    expect(restored.evidence.at('facebook', at(31)).official).toBe('major_outage');
  });
});
