import { describe, expect, it } from 'vitest';
import { readSignalMessage, signalMessages } from '@downradar/common';
import type { SignalEvent } from '../../../../schemas/events/index';
import type { DedupeState } from '../core/dedupe';
import { resolveDetectorConfig } from '../core/config';
import { serviceInfoFrom } from '../core/facts';
import { generateTraffic, SAMPLE_CATALOG } from '../testing/simulate';
import { assembleEntries, entriesUnder, type StateRecord } from './checkpoint';
import { MAX_DELTAS } from './dedupe-checkpoint';
import { PartitionScorer } from './partition-scorer';

const info = serviceInfoFrom(SAMPLE_CATALOG);
const config = resolveDetectorConfig({ idleTimeoutMs: 0 });

function apply(topic: Map<string, string>, records: StateRecord[]): void {
  for (const r of records) {
    if (r.value === null) topic.delete(r.key);
    else topic.set(r.key, r.value);
  }
}

/** A dedupe table as its compaction time and its entries sorted by hash (slot order aside). */
function table(snapshot: Record<string, unknown>, id: string): { g: number | null; entries: number[][] } {
  const s = snapshot[`dedupe:${id}`] as DedupeState;
  const entries: number[][] = [];
  for (let i = 0; i < s.e.length; i += 2) entries.push([s.e[i]!, s.e[i + 1]!]);
  return { g: s.g, entries: entries.sort((a, b) => a[0]! - b[0]!) };
}

function restored(topic: Map<string, string>): PartitionScorer {
  const b = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
  b.restore(entriesUnder(assembleEntries(topic), PartitionScorer.prefixOf(0)));
  return b;
}

// 3 hours of event time: several dedupe compactions (every 15 min + lateness + a window).
const signals = generateTraffic({
  seed: 5,
  from: Date.UTC(2021, 9, 4, 13, 0),
  to: Date.UTC(2021, 9, 4, 16, 0),
  services: [
    { serviceId: 'facebook', perMinute: (t) => (t >= Date.UTC(2021, 9, 4, 15, 0) ? 120 : 20) },
    { serviceId: 'netflix', perMinute: () => 3 },
  ],
  repeatShare: 0.3,
  maxDelayMs: 5_000,
});
const messages: { offset: string; value: string | Buffer }[] = [];
for (let i = 0; i < signals.length; i += 20) for (const m of signalMessages('signals', signals.slice(i, i + 20))) messages.push({ offset: String(messages.length), value: m.value });

describe('dedupe tables checkpointed as a base and deltas', () => {
  it('restores every table exactly after deltas, new bases and aborted transactions, and the restored scorer goes on the same', () => {
    const topic = new Map<string, string>();
    const a = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    let deltasWritten = 0;
    let deltasDeleted = 0;
    let restores = 0;
    for (let i = 0, n = 0; i < messages.length; i += 5, n++) {
      a.ingest(messages.slice(i, i + 5), readSignalMessage, n);
      a.advance(n);
      const diff = a.checkpoint();
      if (n % 7 === 3) continue; // aborted: nothing reaches the topic, nothing counts as written
      apply(topic, diff.records);
      diff.commit();
      for (const r of diff.records) {
        if (!/~\d+$/.test(r.key)) continue;
        if (r.value === null) deltasDeleted++;
        else deltasWritten++;
      }
      if (n % 15 === 0) {
        const b = restored(topic);
        const sa = a.detector.snapshot();
        const sb = b.detector.snapshot();
        for (const id of ['facebook', 'netflix']) if (sa[`dedupe:${id}`] !== undefined) expect(table(sb, id)).toEqual(table(sa, id));
        restores++;
      }
    }
    expect(restores).toBeGreaterThan(10);
    expect(signals.length).toBeGreaterThan(10_000);
    expect(deltasWritten).toBeGreaterThan(100);
    expect(deltasDeleted).toBeGreaterThan(10); // new bases replaced their deltas
    // At the end: a restored scorer admits and refuses exactly as the original from here on.
    const b = restored(topic);
    const t = signals[signals.length - 1]!.at;
    const more: SignalEvent[] = [];
    for (let k = 0; k < 400; k++) {
      const old = signals[signals.length - 1 - k * 3]!;
      more.push({ ...old, id: `again-${k}`, at: t + k * 100, receivedAt: t + k * 100 }); // reporters seen before (some within 15 min)
    }
    const value = signalMessages('signals', more).map((m, k) => ({ offset: String(messages.length + k), value: m.value }));
    a.ingest(value, readSignalMessage, 1e6);
    b.ingest(value, readSignalMessage, 1e6);
    expect(b.stats()).toEqual(a.stats());
    const sa = a.detector.snapshot();
    const sb = b.detector.snapshot();
    expect(sb['service:facebook']).toEqual(sa['service:facebook']);
    expect(table(sb, 'facebook')).toEqual(table(sa, 'facebook'));
  });

  it('a transaction with one new report writes that one entry, not the table', () => {
    const topic = new Map<string, string>();
    const s = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    const at = Date.UTC(2021, 9, 4, 15, 0);
    const report = (k: number, reporter: string): SignalEvent => ({
      id: `r${k}`, sourceId: `r${k}`, serviceId: 'facebook', kind: 'report', at: at + k, receivedAt: at + k, outage: true, problem: 'login', confidence: 1, reporterHash: reporter, hashtags: [],
    });
    const many = Array.from({ length: 3000 }, (_, k) => report(k, `reporter-${k}`));
    const first = s.checkpointAfter(many, 0, topic);
    expect(first.some((r) => r.key === 'p0/dedupe:facebook')).toBe(true); // the first one is a base
    const next = s.checkpointAfter([report(3000, 'someone-new')], 3000, topic);
    const dedupe = next.filter((r) => r.key.includes('dedupe:'));
    expect(dedupe).toHaveLength(1);
    expect(dedupe[0]!.key).toMatch(/^p0\/dedupe:facebook~\d+$/);
    expect((JSON.parse(dedupe[0]!.value!) as { e: number[] }).e).toHaveLength(2);
    // A report the dedupe refuses (same reporter, 1 s later) changes no table: no dedupe record at all.
    const refused = s.checkpointAfter([report(3001, 'someone-new')], 3001, topic);
    expect(refused.filter((r) => r.key.includes('dedupe:'))).toEqual([]);
  });

  it(`writes a new base after ${MAX_DELTAS} deltas and deletes the old deltas in the same transaction`, () => {
    const topic = new Map<string, string>();
    const s = new PartitionScorer('signals', 0, config, info, () => undefined, 0);
    const at = Date.UTC(2021, 9, 4, 15, 0);
    const report = (k: number): SignalEvent => ({
      id: `r${k}`, sourceId: `r${k}`, serviceId: 'facebook', kind: 'report', at: at + k, receivedAt: at + k, outage: true, problem: 'login', confidence: 1, reporterHash: `reporter-${k}`, hashtags: [],
    });
    s.checkpointAfter([report(0)], 0, topic); // base
    for (let k = 1; k <= MAX_DELTAS; k++) s.checkpointAfter([report(k)], k, topic);
    expect([...topic.keys()].filter((k) => k.includes('~'))).toHaveLength(MAX_DELTAS);
    const rebase = s.checkpointAfter([report(MAX_DELTAS + 1)], MAX_DELTAS + 1, topic);
    expect(rebase.filter((r) => r.key.includes('~')).every((r) => r.value === null)).toBe(true);
    expect(rebase.filter((r) => r.key.includes('~'))).toHaveLength(MAX_DELTAS);
    expect([...topic.keys()].filter((k) => k.includes('dedupe:'))).toEqual(['p0/dedupe:facebook']);
    expect(table(restored(topic).detector.snapshot(), 'facebook').entries).toHaveLength(MAX_DELTAS + 2);
  });
});

declare module './partition-scorer' {
  interface PartitionScorer {
    /** Test helper: ingests these signals (one message, at offset `offset`), commits a checkpoint, returns its records. */
    checkpointAfter(signals: SignalEvent[], offset: number, topic: Map<string, string>): StateRecord[];
  }
}
PartitionScorer.prototype.checkpointAfter = function (this: PartitionScorer, batch: SignalEvent[], offset: number, topic: Map<string, string>) {
  const values = signalMessages('signals', batch);
  this.ingest(values.map((m, k) => ({ offset: String(offset * 10 + k), value: m.value })), readSignalMessage, 0);
  const diff = this.checkpoint();
  apply(topic, diff.records);
  diff.commit();
  return diff.records;
};
