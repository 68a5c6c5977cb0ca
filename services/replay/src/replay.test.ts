import { describe, expect, it } from 'vitest';
import type { PostInput } from '../../../schemas/events/index';
import { generateEvents, type ReplayReport } from './generator';
import { runReplay } from './replay';
import { keyPartition, partitionSharder } from './shards';
import { loadScenario } from './scenario-loader';
import { ReplayTargetError, type ReplayEvent, type ReplayTarget } from './target';

const BLIP = loadScenario('blip-6min');
const SLICE = { from: '2024-03-12T19:30:00Z', to: '2024-03-12T20:00:00Z' };

/** A target that records every batch and the (virtual) time it was sent. */
function recorder(clock?: { t: number }, failAfter = Infinity) {
  const batches: { at: number; events: readonly ReplayEvent[]; reports: ReplayReport[]; posts: PostInput[] }[] = [];
  let closed = false;
  const target: ReplayTarget = {
    name: 'recorder',
    stats: {},
    notes: [],
    async send(events) {
      if (batches.length >= failAfter) throw new ReplayTargetError('broker gone', true);
      const reports = events.flatMap((e) => (e.kind === 'report' ? [e.report] : []));
      const posts = events.flatMap((e) => (e.kind === 'post' ? [e.post] : []));
      batches.push({ at: clock?.t ?? 0, events, reports, posts });
    },
    async close() {
      closed = true;
    },
  };
  return { target, batches, isClosed: () => closed };
}

describe('runReplay', () => {
  it('at max speed delivers exactly the generated events, in emission order', async () => {
    const rec = recorder();
    const summary = await runReplay({ scenario: BLIP, target: rec.target, speed: 'max', scale: 1, ...SLICE, batchSize: 100 });
    const expected = [...generateEvents(BLIP, { scale: 1, ...SLICE })];
    expect(rec.batches.flatMap((b) => b.events)).toEqual(expected);
    expect(summary).toMatchObject({ scenarioId: 'blip-6min', sent: expected.length, stopped: false, speed: 'max' });
    expect(summary.reports + summary.posts).toBe(expected.length);
    expect(rec.batches.every((b) => b.reports.length + b.posts.length <= 100)).toBe(true);
    expect(rec.isClosed()).toBe(true);
  });

  it('paces by emitAt: at speed 60 thirty minutes of event time take thirty seconds, nothing is sent early', async () => {
    const clock = { t: 0 };
    const rec = recorder(clock);
    const from = Date.parse(SLICE.from);
    const summary = await runReplay({
      scenario: BLIP,
      target: rec.target,
      speed: 60,
      scale: 1,
      ...SLICE,
      lingerMs: 250,
      now: () => clock.t,
      sleep: async (ms) => {
        clock.t += Math.max(0, ms);
      },
    });
    expect(summary.durationMs).toBeGreaterThan(29_000);
    expect(summary.durationMs).toBeLessThan(31_000);
    for (const b of rec.batches) {
      for (const e of [...b.reports, ...b.posts]) {
        // due at (at - from) / 60 at the latest; an event may go out up to lingerMs early with its batch
        expect(b.at).toBeGreaterThanOrEqual((e.at - from) / 60 - 250);
      }
    }
    expect(rec.batches.length).toBeGreaterThan(60); // many small batches, not one big one
  });

  it('stops cleanly on abort: sends what was generated, closes the target, says stopped', async () => {
    const controller = new AbortController();
    const rec = recorder();
    const target: ReplayTarget = {
      ...rec.target,
      async send(events) {
        await rec.target.send(events);
        if (rec.batches.length === 3) controller.abort();
      },
    };
    const summary = await runReplay({ scenario: BLIP, target, speed: 'max', scale: 1, batchSize: 500, maxInFlight: 1, signal: controller.signal });
    expect(summary.stopped).toBe(true);
    expect(summary.sent).toBe(summary.reports + summary.posts);
    expect(summary.sent).toBeLessThan(5 * 500);
    expect(rec.isClosed()).toBe(true);
  });

  it('a target failure stops the replay, closes the target and rejects with the error', async () => {
    const rec = recorder(undefined, 2);
    await expect(runReplay({ scenario: BLIP, target: rec.target, speed: 'max', batchSize: 200 })).rejects.toThrow(/broker gone/);
    expect(rec.isClosed()).toBe(true);
  });

  it('reports progress with event time, rate and totals', async () => {
    const seen: number[] = [];
    let last = { reports: 0, posts: 0, fraction: 0 };
    await runReplay({
      scenario: BLIP,
      target: 'none',
      speed: 'max',
      scale: 1,
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen.push(p.eventTime);
        last = p;
      },
    });
    expect(seen.length).toBeGreaterThan(10);
    expect(last.fraction).toBe(1);
    expect(last.reports).toBeGreaterThan(1000);
  });

  /**
   * A target that, like the ingest API, writes batches in flight at once in any order: here the
   * newest first (each batch in its own order).
   */
  function newestFirst() {
    const written: ReplayEvent[] = [];
    const pending: { events: readonly ReplayEvent[]; resolve: () => void }[] = [];
    const target: ReplayTarget = {
      name: 'newest-first',
      stats: {},
      notes: [],
      send(events) {
        return new Promise<void>((resolve) => {
          pending.push({ events, resolve });
          setImmediate(() => {
            const p = pending.pop()!;
            written.push(...p.events);
            p.resolve();
          });
        });
      },
      async close() {},
    };
    return { target, written };
  }

  /** How far (ms of emitAt) each written event is behind the latest one written before it; the largest. */
  function worstDisorder(written: readonly ReplayEvent[]): number {
    let latest = -Infinity;
    let worst = 0;
    for (const e of written) {
      worst = Math.max(worst, latest - e.emitAt);
      latest = Math.max(latest, e.emitAt);
    }
    return worst;
  }

  it('a target that writes in-flight batches in any order never writes an event more than maxDisorderMs behind a later one', async () => {
    const expected = [...generateEvents(BLIP, { scale: 1, ...SLICE })];
    expect(worstDisorder(expected)).toBe(0); // the generator yields in emission order
    for (const maxDisorderMs of [5_000, 1_000]) {
      const t = newestFirst();
      const summary = await runReplay({ scenario: BLIP, target: t.target, speed: 'max', scale: 1, ...SLICE, batchSize: 200, maxInFlight: 4, maxDisorderMs });
      expect(summary.sent).toBe(expected.length);
      expect(t.written).toHaveLength(expected.length);
      const idOf = (e: ReplayEvent) => (e.kind === 'report' ? e.report.id : e.post.id!);
      expect(t.written.map(idOf).sort()).toEqual(expected.map(idOf).sort());
      expect(worstDisorder(t.written)).toBeLessThanOrEqual(maxDisorderMs);
    }
  });

  /**
   * A target like ingest with several processes: requests in flight at once finish in any order
   * (here the newest first), and each request is written in its own order.
   */
  function concurrentRecorder() {
    const written: ReplayEvent[] = [];
    const requests: (readonly ReplayEvent[])[] = [];
    const pending: { events: readonly ReplayEvent[]; resolve: () => void }[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    /** shards (by a caller's function) with a request in flight, to catch two at once */
    const busy = new Set<number>();
    let overlapsPerShard = 0;
    let shardOf: (e: ReplayEvent) => number = () => 0;
    const target: ReplayTarget = {
      name: 'concurrent',
      stats: {},
      notes: [],
      send(events) {
        requests.push(events);
        const shards = new Set(events.map((e) => shardOf(e)));
        for (const s of shards) {
          if (busy.has(s)) overlapsPerShard++;
          busy.add(s);
        }
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        return new Promise<void>((resolve) => {
          pending.push({ events, resolve });
          setImmediate(() => {
            const p = pending.pop()!;
            written.push(...p.events);
            for (const s of new Set(p.events.map((e) => shardOf(e)))) busy.delete(s);
            inFlight--;
            p.resolve();
          });
        });
      },
      async close() {},
    };
    return { target, written, requests, setShardOf: (f: typeof shardOf) => (shardOf = f), stats: () => ({ mostInFlight, overlapsPerShard }) };
  }

  it('with partitions, each partition is written exactly in emission order, one request in flight per partition, several partitions at once', async () => {
    const expected = [...generateEvents(BLIP, { scale: 1, ...SLICE })];
    const partitions = 3;
    const shardOf = partitionSharder(partitions);
    const t = concurrentRecorder();
    t.setShardOf(shardOf);
    const summary = await runReplay({ scenario: BLIP, target: t.target, speed: 'max', scale: 1, ...SLICE, batchSize: 200, maxInFlight: 4, partitions });
    const idOf = (e: ReplayEvent) => (e.kind === 'report' ? e.report.id : e.post.id!);
    expect(summary.sent).toBe(expected.length);
    expect(t.written.map(idOf).sort()).toEqual(expected.map(idOf).sort());
    // every request holds one partition's events only, at most batchSize of them
    for (const r of t.requests) {
      expect(new Set(r.map(shardOf)).size).toBe(1);
      expect(r.length).toBeLessThanOrEqual(200);
    }
    expect(t.stats().overlapsPerShard).toBe(0);
    expect(t.stats().mostInFlight).toBeGreaterThan(1);
    // per partition: the written order is the emission order (what each partition's scorer reads)
    for (let p = 0; p < partitions; p++) {
      const want = expected.filter((e) => shardOf(e) === p).map(idOf);
      expect(want.length).toBeGreaterThan(0);
      expect(t.written.filter((e) => shardOf(e) === p).map(idOf)).toEqual(want);
    }
    // without partitions the same target gets mixed batches, one in flight at this span (what bench:e2e did)
    const one = concurrentRecorder();
    one.setShardOf(shardOf);
    await runReplay({ scenario: BLIP, target: one.target, speed: 'max', scale: 1, ...SLICE, batchSize: 200, maxInFlight: 4 });
    expect(one.requests.some((r) => new Set(r.map(shardOf)).size > 1)).toBe(true);
  });

  it('a post goes with the partition of the service the generator meant; reports with their service', () => {
    const shardOf = partitionSharder(6);
    const report = (serviceId: string): ReplayEvent => ({ kind: 'report', report: { serviceId } as ReplayReport, emitAt: 0 });
    const post = (serviceId: string | null, id: string): ReplayEvent => ({ kind: 'post', post: { id } as PostInput, emitAt: 0, truth: { serviceId } });
    expect(shardOf(post('facebook', 'p1'))).toBe(shardOf(report('facebook')));
    expect(shardOf(post('whatsapp', 'p2'))).toBe(shardOf(report('whatsapp')));
    expect(shardOf(post(null, 'p3'))).toBe(keyPartition('p3', 6));
    // kafkajs' murmur2 partitions, as the producer computes them
    const ids = ['facebook', 'instagram', 'whatsapp', 'messenger', 'aws', 'twitter', 'reddit', 'discord'];
    expect(new Set(ids.map((s) => shardOf(report(s)))).size).toBeGreaterThan(1);
    for (const s of ids) expect(shardOf(report(s))).toBe(keyPartition(s, 6));
    expect(() => partitionSharder(0)).toThrow(RangeError);
  });

  it('an ordered target gets full batches, however long their span', async () => {
    const rec = recorder();
    const target: ReplayTarget = { ...rec.target, ordered: true };
    await runReplay({ scenario: BLIP, target, speed: 'max', scale: 1, ...SLICE, batchSize: 200 });
    const spans = rec.batches.map((b) => b.events[b.events.length - 1]!.emitAt - b.events[0]!.emitAt);
    expect(rec.batches.slice(0, -1).every((b) => b.events.length === 200)).toBe(true);
    expect(Math.max(...spans)).toBeGreaterThan(5_000);
  });

  it('rejects a bad speed', async () => {
    await expect(runReplay({ scenario: BLIP, target: 'none', speed: 0 })).rejects.toThrow(/speed/);
  });
});
