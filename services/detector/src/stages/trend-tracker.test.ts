import { describe, expect, it } from 'vitest';
import { readSignalMessage } from '@downradar/common';
import type { SignalEvent, TrendEvent } from '../../../../schemas/events/index';
import { assembleEntries, entriesUnder, type StateRecord } from './checkpoint';
import { resolveDetectorConfig } from '../core/config';
import { hash53 } from '../core/dedupe';
import { createDetector } from '../core/detector';
import { generateTraffic } from '../testing/simulate';
import { PartitionScorer, type SignalRead } from './partition-scorer';
import { TrendTracker } from './trend-tracker';

const config = resolveDetectorConfig({ idleTimeoutMs: 0 });
const check: SignalRead = readSignalMessage;
const hashtagInfo = (tag: string) => (tag === 'facebookdown' ? { serviceId: 'facebook', outage: true } : undefined);
const onset = Date.UTC(2021, 9, 4, 15, 40);

function traffic(multiServicePosts: boolean): SignalEvent[] {
  const plain = generateTraffic({
    seed: 4,
    from: Date.UTC(2021, 9, 4, 14, 0),
    to: Date.UTC(2021, 9, 4, 16, 30),
    chatterPerMinute: 2,
    services: [
      { serviceId: 'facebook', perMinute: (t) => (t >= onset ? 150 : 4), hashtags: ['facebookdown', 'facebook'] },
      { serviceId: 'instagram', perMinute: (t) => (t >= onset ? 100 : 3), hashtags: ['instagramdown', 'facebookdown'] },
      { serviceId: 'netflix', perMinute: () => 2, hashtags: ['netflix', 'mondaymotivation'] },
      { serviceId: 'twitter', perMinute: () => 3, hashtags: ['mondaymotivation'] },
    ],
  });
  // One post that names two services arrives as two signals with the same source id and hashtags.
  const out: SignalEvent[] = [];
  for (const s of plain) {
    out.push(s);
    if (multiServicePosts && s.serviceId === 'facebook' && s.hashtags.length > 0) out.push({ ...s, id: `${s.id}:instagram`, serviceId: 'instagram' });
  }
  return out;
}

const strip = (events: TrendEvent[]) => events.map((e) => ({ ...e }));

describe('TrendTracker', () => {
  // A post naming services on two partitions is counted once through the core's recent-source
  // cache; read partition after partition (a backlog), its two signals are too far apart for that
  // bounded cache, so exact equality is asserted with one partition for such posts, and with
  // several partitions for posts that name one service.
  it.each([
    [true, 1],
    [false, 2],
    [false, 4],
  ])('gives the trends of the core detector, however far apart the partitions are read (multi-service posts %s, %i partitions)', (multi, partitions) => {
    const signals = traffic(multi);
    const core = createDetector({ idleTimeoutMs: 0 }, () => undefined, hashtagInfo);
    const expected: TrendEvent[] = [];
    for (let i = 0; i < signals.length; i += 300) {
      for (const s of signals.slice(i, i + 300)) core.ingest(s);
      expected.push(...core.advance(0).trends);
    }
    expect(expected.some((t) => t.hashtag === 'facebookdown' && t.trending)).toBe(true);

    {
      const byPartition: SignalEvent[][] = Array.from({ length: partitions }, () => []);
      for (const s of signals) byPartition[hash53(s.serviceId) % partitions]!.push(s);
      const scorers = byPartition.map((_, p) => new PartitionScorer('signals', p, config, () => undefined, hashtagInfo, 0));
      const tracker = new TrendTracker('t', config, hashtagInfo);
      const got: TrendEvent[] = [];
      const frontier = () => {
        let min: number | undefined;
        for (const [p, s] of scorers.entries()) {
          if (s.empty && byPartition[p]!.length === 0) continue; // announced idle
          if (s.empty) return undefined; // not read yet
          const c = s.detector.closedUpTo();
          if (c === undefined) return undefined;
          if (min === undefined || c < min) min = c;
        }
        return min;
      };
      // Catch-up order: the partitions' backlogs in turn, 1,000 signals at a time (as kafkajs reads
      // them), so the partitions are up to an hour of event time apart.
      const next = byPartition.map(() => 0);
      while (next.some((n, p) => n < byPartition[p]!.length)) {
        for (const [p, list] of byPartition.entries()) {
          const i = next[p]!;
          if (i >= list.length) continue;
          next[p] = i + 1000;
          const r = scorers[p]!.ingest(
            list.slice(i, i + 1000).map((s, j) => ({ offset: String(i + j), value: JSON.stringify(s) })),
            check,
            0,
          );
          tracker.add(r.withHashtags);
          scorers[p]!.advance(0);
          got.push(...tracker.advance(frontier()));
        }
      }
      expect(tracker.late).toBe(0);
      const upTo = tracker.closedUpTo!;
      expect(strip(got)).toEqual(strip(expected.filter((t) => t.windowEnd <= upTo)));
    }
  });

  it('restores from its checkpoint', () => {
    const signals = traffic(true).filter((s) => s.hashtags.length > 0);
    const a = new TrendTracker('x', config, hashtagInfo);
    const topic = new Map<string, string>();
    const apply = (records: StateRecord[]) => {
      for (const r of records) {
        if (r.value === null) topic.delete(r.key);
        else topic.set(r.key, r.value);
      }
    };
    const half = Math.floor(signals.length / 2);
    const W = config.windowMs;
    a.add(signals.slice(0, half));
    a.advance(Math.floor(signals[half]!.at / W) * W - W);
    const d = a.checkpoint();
    apply(d.records);
    d.commit();
    const b = new TrendTracker('x', config, hashtagInfo);
    b.restore(entriesUnder(assembleEntries(topic), TrendTracker.prefixOf('x')));
    const end = Math.ceil(signals[signals.length - 1]!.at / W) * W + W;
    a.add(signals.slice(half));
    b.add(signals.slice(half));
    expect(b.advance(end)).toEqual(a.advance(end));
    expect(b.checkpoint().records).toEqual(a.checkpoint().records);
  });

  it('checkpoints the source cache as a base and deltas, and restores it exactly (also after an aborted transaction, and from the older form)', () => {
    const signals = traffic(true).filter((s) => s.hashtags.length > 0);
    const W = config.windowMs;
    const sourcesOf = (t: TrendTracker) => (t as unknown as { trends: { sourceEntries(): number[] } }).trends.sourceEntries();
    const a = new TrendTracker('x', config, hashtagInfo);
    const topic = new Map<string, string>();
    const apply = (records: StateRecord[]) => {
      for (const r of records) {
        if (r.value === null) topic.delete(r.key);
        else topic.set(r.key, r.value);
      }
    };
    const restored = () => {
      const b = new TrendTracker('x', config, hashtagInfo);
      b.restore(entriesUnder(assembleEntries(topic), TrendTracker.prefixOf('x')));
      return b;
    };
    let deltasSeen = 0;
    let basesRewritten = 0;
    for (let i = 0, step = 0; i < signals.length; i += 150, step++) {
      const chunk = signals.slice(i, i + 150);
      a.add(chunk);
      a.advance(Math.floor(chunk[chunk.length - 1]!.at / W) * W - 2 * W);
      const d = a.checkpoint();
      if (step % 7 === 3) continue; // aborted: neither on the topic nor committed; the next one carries its changes
      apply(d.records);
      d.commit();
      if (d.records.some((r) => /trend-sources~\d+$/.test(r.key) && r.value !== null)) deltasSeen++;
      if (step > 0 && d.records.some((r) => r.key.endsWith('/trend-sources')) && d.records.some((r) => /trend-sources~\d+$/.test(r.key) && r.value === null)) basesRewritten++;
      if (step % 5 === 0) {
        const b = restored();
        expect(sourcesOf(b)).toEqual(sourcesOf(a));
        expect(b.checkpoint().records).toEqual([]); // what it restored is what was committed
      }
    }
    expect(deltasSeen).toBeGreaterThan(10);
    expect(basesRewritten).toBeGreaterThan(0);
    // A delta is a fraction of the cache: the whole cache went out only with the bases.
    const base = topic.get('trends@x/trend-sources')!;
    expect(JSON.parse(base).length).toBeGreaterThan(2000);
    const b = restored();
    expect(sourcesOf(b)).toEqual(sourcesOf(a));
    const end = Math.ceil(signals[signals.length - 1]!.at / W) * W + W;
    expect(b.advance(end)).toEqual(a.advance(end));

    // The older form: the cache inside `trends`, no trend-sources entries.
    const old = new Map<string, string>();
    const t = (a as unknown as { trends: { snapshot(): { meta: unknown; chunks: unknown[] } } }).trends.snapshot();
    old.set('trends@x/meta', topic.get('trends@x/meta')!);
    old.set('trends@x/trends', JSON.stringify(t.meta));
    t.chunks.forEach((c, i) => old.set(`trends@x/trend-baselines:${i}`, JSON.stringify(c)));
    const c = new TrendTracker('x', config, hashtagInfo);
    c.restore(entriesUnder(old, TrendTracker.prefixOf('x')));
    expect(sourcesOf(c)).toEqual(sourcesOf(a));
    const first = c.checkpoint().records;
    expect(first.find((r) => r.key === 'trends@x/trend-sources')?.value).toBe(JSON.stringify(sourcesOf(a)));
    expect(JSON.parse(first.find((r) => r.key === 'trends@x/trends')!.value!).sources).toEqual([]);
  });

  it('keeps at most a bounded number of windows open: the oldest is closed early, later hashtags for it are late', () => {
    const W = config.windowMs;
    const t0 = Date.UTC(2021, 9, 4, 15, 0);
    const t = new TrendTracker('cap', config, hashtagInfo, 3);
    const sig = (i: number, at: number): SignalEvent => ({
      id: `s${i}`, sourceId: `s${i}`, serviceId: 'facebook', kind: 'hashtag', at, receivedAt: at, outage: true, problem: 'other', confidence: 1, hashtags: ['facebookdown'],
    });
    let i = 0;
    for (let w = 0; w < 6; w++) for (let k = 0; k < 40; k++) t.add([sig(i++, t0 + w * W + k)]);
    const closed = t.advance(undefined);
    expect(closed.map((e) => e.windowStart)).toEqual([t0, t0 + W, t0 + 2 * W]);
    expect(t.sizes().openWindows).toBe(3);
    t.add([sig(i++, t0 + W + 5)]);
    expect(t.late).toBe(1);
  });
});
