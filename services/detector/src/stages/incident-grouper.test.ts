import { describe, expect, it } from 'vitest';
import { readSignalMessage } from '@downradar/common';
import type { IncidentEvent, ScoreEvent, SignalEvent } from '../../../../schemas/events/index';
import { resolveDetectorConfig, type DetectorConfig } from '../core/config';
import { hash53 } from '../core/dedupe';
import { createDetector } from '../core/detector';
import { serviceInfoFrom, type ServiceInfoLookup } from '../core/facts';
import { IncidentManager, incidentManagerOptions } from '../core/incidents';
import { generateTraffic, SAMPLE_CATALOG, seededRandom } from '../testing/simulate';
import { IncidentGrouper } from './incident-grouper';
import { PartitionScorer, type SignalRead } from './partition-scorer';
import { parseProgress, type WindowProgress } from './window-progress';

const MIN = 60_000;
const info: ServiceInfoLookup = serviceInfoFrom(SAMPLE_CATALOG);
const config: DetectorConfig = resolveDetectorConfig({ idleTimeoutMs: 0 });
const check: SignalRead = readSignalMessage;

const newManager = () => new IncidentManager(incidentManagerOptions(config, info));
const newGrouper = () => new IncidentGrouper(config.windowMs, newManager(), newManager);

const partitionOf = (serviceId: string, partitions: number) => hash53(serviceId) % partitions;

/** The 4 October 2021 shape: Meta down from 15:40, the refugees on Twitter and Telegram, quiet others. */
function outageTraffic(seed = 7): SignalEvent[] {
  const from = Date.UTC(2021, 9, 4, 13, 0);
  const onset = Date.UTC(2021, 9, 4, 15, 40);
  const end = Date.UTC(2021, 9, 4, 16, 40);
  const down = (base: number, peak: number) => (t: number) => (t >= onset && t < end ? peak : base);
  return generateTraffic({
    seed,
    from,
    to: Date.UTC(2021, 9, 4, 17, 30),
    services: [
      { serviceId: 'facebook', perMinute: down(5, 300) },
      { serviceId: 'instagram', perMinute: down(4, 200) },
      { serviceId: 'whatsapp', perMinute: down(4, 250) },
      { serviceId: 'messenger', perMinute: down(1.5, 60) },
      { serviceId: 'twitter', perMinute: (t) => (t >= onset + 5 * MIN && t < end ? 40 : 3) },
      { serviceId: 'telegram', perMinute: (t) => (t >= onset + 10 * MIN && t < end ? 25 : 1.2) },
      { serviceId: 'netflix', perMinute: () => 2 },
      { serviceId: 'youtube', perMinute: () => 3 },
      { serviceId: 'slack', perMinute: () => 0.5 },
      { serviceId: 'aws', perMinute: () => 0.5 },
    ],
  });
}

/** What the scoring stage would publish: per partition, the windows-topic messages of each transaction. */
function scorePartitions(signals: SignalEvent[], partitions: number, batchSize: number): string[][][] {
  const byPartition: SignalEvent[][] = Array.from({ length: partitions }, () => []);
  for (const s of signals) byPartition[partitionOf(s.serviceId, partitions)]!.push(s);
  return byPartition.map((list, p) => {
    const scorer = new PartitionScorer('signals', p, config, info, () => undefined, 0);
    const txns: string[][] = [];
    let now = 1;
    if (list.length === 0) {
      // A partition without services is announced idle after the grace period (0 here).
      const announce = scorer.announcement(now, 0, { low: 0n, high: 0n })!;
      txns.push(scorer.progressMessages(scorer.advance(now), announce, partitions, 'test'));
    }
    for (let i = 0; i < list.length; i += batchSize) {
      const batch = list.slice(i, i + batchSize).map((s, j) => ({ offset: String(i + j), value: JSON.stringify(s) }));
      scorer.ingest(batch, check, now);
      const adv = scorer.advance(now++);
      const announce = scorer.announcement(now, 0);
      txns.push(scorer.progressMessages(adv, announce, partitions, 'test'));
      if (announce) scorer.announced = announce;
    }
    return txns;
  });
}

type Order = 'round-robin' | 'one-after-another' | 'random';

/** Interleaves the partitions' transactions (each partition's stay in order) into one topic. */
function interleave(perPartition: string[][][], order: Order, seed = 1): string[][] {
  const queues = perPartition.map((txns) => [...txns]);
  const out: string[][] = [];
  const rand = seededRandom(seed);
  let turn = 0;
  while (queues.some((q) => q.length > 0)) {
    let p: number;
    if (order === 'one-after-another') p = queues.findIndex((q) => q.length > 0);
    else if (order === 'round-robin') {
      do p = turn++ % queues.length;
      while (queues[p]!.length === 0);
    } else {
      const live = queues.map((q, i) => (q.length > 0 ? i : -1)).filter((i) => i >= 0);
      p = live[Math.floor(rand() * live.length)]!;
    }
    out.push(queues[p]!.shift()!);
  }
  return out;
}

const comparable = (e: IncidentEvent) => {
  const { emittedAt: _e, ...rest } = e;
  return rest;
};

/** The signals partitions' end offsets once every signal is written (what the incident stage reads). */
function endsOf(signals: SignalEvent[], partitions: number): Map<number, bigint> {
  const ends = new Map<number, bigint>();
  for (let p = 0; p < partitions; p++) ends.set(p, 0n);
  for (const s of signals) {
    const p = partitionOf(s.serviceId, partitions);
    ends.set(p, ends.get(p)! + 1n);
  }
  return ends;
}

function group(txns: string[][], ends: ReadonlyMap<number, bigint>, grouper = newGrouper(), startOffset = 0): { events: IncidentEvent[]; grouper: IncidentGrouper } {
  const events: IncidentEvent[] = [];
  let offset = startOffset;
  for (const txn of txns) {
    for (const m of txn) grouper.accept(parseProgress(m)!, String(offset++));
    for (const g of grouper.drain(1, ends).events) events.push(g.event);
  }
  return { events, grouper };
}

describe('IncidentGrouper', () => {
  const score = (serviceId: string, windowStart: number, level: ScoreEvent['level'], count: number, scoreValue: number): ScoreEvent => ({
    serviceId,
    windowStart,
    windowEnd: windowStart + MIN,
    count,
    rawCount: count,
    expected: 5,
    upper: 12,
    score: scoreValue,
    level,
    evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] },
    computedAt: 0,
  });
  const msg = (partition: number, closedUpTo: number | null, windows: { start: number; scores: ScoreEvent[] }[], idle = false): WindowProgress => ({
    v: 1,
    partition,
    partitions: 2,
    instance: 't',
    idle,
    closedUpTo,
    closedAt: 100,
    windows: windows.map((w) => ({ start: w.start, end: w.start + MIN, scores: w.scores })),
  });
  const T = Date.UTC(2021, 9, 4, 15, 40);

  it('processes a window only when every partition has closed it', () => {
    const g = newGrouper();
    g.accept(msg(0, T + MIN, [{ start: T, scores: [score('facebook', T, 'danger', 300, 1)] }]), '0');
    expect(g.drain(1).windowsProcessed).toBe(0); // partition 1 not heard of: it may have data
    g.accept(msg(1, null, []), '1');
    expect(g.drain(1).windowsProcessed).toBe(0); // has data, nothing closed yet
    g.accept(msg(1, T + MIN, [{ start: T, scores: [score('instagram', T, 'danger', 200, 1)] }]), '2');
    const r = g.drain(1);
    expect(r.windowsProcessed).toBe(1);
    expect(r.events.map((e) => [e.event.type, e.event.services.map((s) => s.serviceId)])).toEqual([['opened', ['facebook', 'instagram']]]);
    expect(g.commitOffset()).toBe('3');
  });

  it('does not wait for a partition announced idle while nothing was written to it, and counts scores that come after their window was grouped', () => {
    const g = newGrouper();
    g.accept({ ...msg(1, null, [], true), idleAt: '0' }, '0');
    g.accept(msg(0, T + 2 * MIN, [{ start: T, scores: [score('netflix', T, 'ok', 2, 0)] }, { start: T + MIN, scores: [score('netflix', T + MIN, 'ok', 1, 0)] }]), '1');
    expect(g.idlePartitions()).toEqual([1]);
    expect(g.drain(1).windowsProcessed).toBe(0); // end offsets not known: it may have data
    expect(g.drain(1, new Map([[0, 90n], [1, 4n]])).windowsProcessed).toBe(0); // written to since: wait for its progress
    expect(g.drain(1, new Map([[0, 90n], [1, 0n]])).windowsProcessed).toBe(2); // still empty: nothing to wait for
    // A signal older than what partition 0 had read, written to partition 1 only now (a source out
    // of order by more than the allowed lateness): its score comes after its window was grouped.
    g.accept(msg(1, T + MIN, [{ start: T, scores: [score('slack', T, 'ok', 1, 0)] }]), '2');
    expect(g.lateScores).toBe(1);
    expect(g.idlePartitions()).toEqual([]);
    // and now holds back the windows it has not closed
    g.accept(msg(0, T + 3 * MIN, [{ start: T + 2 * MIN, scores: [score('netflix', T + 2 * MIN, 'ok', 1, 0)] }]), '3');
    expect(g.drain(1).windowsProcessed).toBe(0);
    expect(g.commitOffset()).toBe('3'); // the buffered window's message is read again after a restart
  });

  it('waits for an idle partition announced before this version (no idleAt) until it is announced again', () => {
    const g = newGrouper();
    g.accept(msg(1, null, [], true), '0');
    g.accept(msg(0, T + MIN, [{ start: T, scores: [score('netflix', T, 'ok', 2, 0)] }]), '1');
    expect(g.drain(1, new Map([[0, 9n], [1, 0n]])).windowsProcessed).toBe(0);
    g.accept({ ...msg(1, null, [], true), idleAt: '0' }, '2');
    expect(g.drain(1, new Map([[0, 9n], [1, 0n]])).windowsProcessed).toBe(1);
  });

  it('skips a silent stretch of years (a replay of 2021, then live traffic) instead of walking every window', () => {
    const g = newGrouper();
    const ends = new Map([[0, 100n], [1, 0n]]);
    g.accept({ ...msg(1, null, [], true), idleAt: '0' }, '0');
    g.accept(msg(0, T + MIN, [{ start: T, scores: [score('netflix', T, 'ok', 2, 0)] }]), '1');
    expect(g.drain(1, ends).windowsProcessed).toBe(1);
    const live = Date.UTC(2026, 10, 25, 2, 0);
    g.accept(msg(0, live + MIN, [{ start: live, scores: [score('netflix', live, 'ok', 2, 0)] }]), '2');
    const t0 = performance.now();
    const r = g.drain(1, ends);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.windowsProcessed).toBe(6 * 60); // the last 6 hours up to the frontier, the live window included
    expect(r.windowsSkipped + r.windowsProcessed).toBe((live - T) / MIN);
    expect(g.processedThrough).toBe(live + MIN);
  });

  it('ignores progress older than what it knows (a partition re-read after a restart)', () => {
    const g = newGrouper();
    g.accept(msg(0, T + 2 * MIN, []), '5');
    g.accept(msg(0, T + MIN, []), '3');
    expect(g.progressView()[0]).toEqual({ partition: 0, closedUpTo: T + 2 * MIN, idle: false });
  });

  it('gives the same incident events as the in-process detector, whatever the partitioning and interleaving', () => {
    const signals = outageTraffic();
    // The reference: one core detector over all services, fed in order.
    const det = createDetector({ idleTimeoutMs: 0 }, info);
    const reference: IncidentEvent[] = [];
    for (let i = 0; i < signals.length; i += 500) {
      for (const s of signals.slice(i, i + 500)) det.ingest(s);
      reference.push(...det.advance(1).incidents);
    }
    expect(reference.filter((e) => e.type === 'opened').map((e) => e.incidentId)).toEqual(['inc-meta-202110041540']);

    const runs: { name: string; events: IncidentEvent[]; processedUpTo: number }[] = [];
    const combos: [number, Order, number][] = [
      [1, 'round-robin', 1000],
      [3, 'round-robin', 97],
      [3, 'one-after-another', 1000],
      [3, 'random', 97],
      [6, 'random', 300],
      [6, 'one-after-another', 97],
    ];
    for (const [partitions, order, batch] of combos) {
      const { events, grouper } = group(interleave(scorePartitions(signals, partitions, batch), order, partitions * 31 + batch), endsOf(signals, partitions));
      runs.push({ name: `${partitions} partitions, ${order}, batches of ${batch}`, events, processedUpTo: grouper.processedThrough! });
    }
    const upTo = Math.min(...runs.map((r) => r.processedUpTo));
    expect(upTo).toBeGreaterThan(Date.UTC(2021, 9, 4, 17, 0));
    const expected = reference.filter((e) => e.at <= upTo).map(comparable);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(expected.some((e) => e.type === 'resolved')).toBe(true);
    for (const r of runs) expect({ run: r.name, events: r.events.filter((e) => e.at <= upTo).map(comparable) }).toEqual({ run: r.name, events: expected });
  });

  it('resumes after a restart from its checkpoint and the messages after the committed offset', () => {
    const signals = outageTraffic(3);
    const ends = endsOf(signals, 3);
    const txns = interleave(scorePartitions(signals, 3, 300), 'random', 5);
    const whole = group(txns, ends).events.map(comparable);
    for (const cut of [1, Math.floor(txns.length / 3), Math.floor((2 * txns.length) / 3)]) {
      const first = group(txns.slice(0, cut), ends);
      const state = JSON.parse(JSON.stringify(first.grouper.toJSON()));
      const commit = Number(first.grouper.commitOffset());
      // Restart: restore, then read again from the committed offset (messages before it are not re-read).
      const restored = newGrouper();
      restored.restore(state);
      const flat = txns.flat();
      let offset = commit;
      const again: IncidentEvent[] = [];
      for (const m of flat.slice(commit)) {
        restored.accept(parseProgress(m)!, String(offset++));
        for (const g of restored.drain(1, ends).events) again.push(g.event);
      }
      expect([...first.events, ...again].map(comparable)).toEqual(whole);
      expect(restored.lateScores).toBe(0);
    }
  });
});
