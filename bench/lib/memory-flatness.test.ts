import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@downradar/common';
import { memoryFlatness, seriesOf, v8MemoryMb } from './memory-flatness';

const series = (mbs: number[], everyS = 2) => mbs.map((mb, i) => ({ t_s: (i + 1) * everyS, mb }));

describe('memoryFlatness', () => {
  it('a memory that settled after warm-up is flat: the late peak equals the middle one', () => {
    // first third warms up to 200, then it holds about 200 (a sawtooth of GC)
    const f = memoryFlatness(series([80, 150, 200, 195, 200, 190, 198, 200, 196]));
    expect(f).toEqual({ midMb: 200, lateMb: 200, growthLateMb: 0, levelMidMb: 195, levelLateMb: 198, levelGrowthLateMb: 3, midSamples: 3, lateSamples: 3 });
  });

  it('a memory that keeps growing shows the growth of its last third', () => {
    const f = memoryFlatness(series([100, 110, 120, 130, 140, 150, 160, 170, 180]));
    // span 2..18 s: middle third [7.33, 12.67) holds 8, 10, 12 s (130, 140, 150); last third 14..18 s
    expect(f).toMatchObject({ midMb: 150, lateMb: 180, growthLateMb: 30, levelMidMb: 140, levelLateMb: 170, levelGrowthLateMb: 30, midSamples: 3, lateSamples: 3 });
  });

  it('a memory that shrinks late has a negative growth, and the first third never counts', () => {
    const f = memoryFlatness(series([900, 300, 300, 300, 250]));
    expect(f).toMatchObject({ midMb: 300, lateMb: 300, growthLateMb: 0 });
    const g = memoryFlatness(series([900, 300, 320, 260, 250, 240]));
    expect(g!.growthLateMb).toBeLessThan(0);
    expect(g!.midMb).toBeLessThan(900);
  });

  it('a GC sawtooth whose one late swing peaks higher: the peaks differ, the levels do not', () => {
    // the same level (about 300) in both thirds; one collection came late in the last third
    const f = memoryFlatness(series([100, 200, 300, 250, 300, 350, 300, 250, 300, 420, 300, 250]));
    expect(f!.growthLateMb).toBe(70);
    expect(f!.levelMidMb).toBe(300);
    expect(f!.levelLateMb).toBe(300);
    expect(f!.levelGrowthLateMb).toBe(0);
    // an even count of samples in a third (8 and 10 s: 20, 30) takes the mean of the two middle ones
    expect(memoryFlatness(series([1, 1, 10, 20, 30, 40, 50, 60]))).toMatchObject({ levelMidMb: 25, levelLateMb: 50 });
  });

  it('splits by time, not by sample count: a slow stretch of samples stays where it happened', () => {
    // samples at 0, 1, 2, 3 s, then one at 30 s: the middle third (10..20 s) has none
    expect(memoryFlatness([0, 1, 2, 3, 30].map((t) => ({ t_s: t, mb: 100 })))).toBeUndefined();
    // a sample exactly on the border of the last third belongs to it
    const f = memoryFlatness([{ t_s: 0, mb: 1 }, { t_s: 3, mb: 5 }, { t_s: 6, mb: 7 }, { t_s: 9, mb: 8 }]);
    expect(f).toMatchObject({ midMb: 5, lateMb: 8, midSamples: 1, lateSamples: 2 });
  });

  it('cannot tell with too few samples, no span, or non-finite values', () => {
    expect(memoryFlatness([])).toBeUndefined();
    expect(memoryFlatness(series([100]))).toBeUndefined();
    expect(memoryFlatness(series([100, 200]))).toBeUndefined();
    expect(memoryFlatness([5, 5, 5].map((t) => ({ t_s: t, mb: 100 })))).toBeUndefined();
    expect(memoryFlatness(series([100, NaN, NaN, 200]))).toBeUndefined();
    expect(memoryFlatness(series([100, 120, 140]))).toMatchObject({ midMb: 120, lateMb: 140, growthLateMb: 20 });
  });

  it('sorts samples given out of order', () => {
    const inOrder = series([100, 110, 120, 130, 140, 150, 160, 170, 180]);
    expect(memoryFlatness([...inOrder].reverse())).toEqual(memoryFlatness(inOrder));
  });
});

describe('seriesOf', () => {
  it("picks one service's figure from each sample, leaving out the samples without it", () => {
    const samples = [
      { t_s: 2, rss_mb: { ingest: 100 } },
      { t_s: 4, rss_mb: { ingest: 110, sink: 50 } },
      { t_s: 6, rss_mb: { ingest: NaN, sink: 55 } },
    ];
    const pick = (s: { t_s: number }) => (s as (typeof samples)[number]).rss_mb as Record<string, number>;
    expect(seriesOf(samples, pick, 'sink')).toEqual([{ t_s: 4, mb: 50 }, { t_s: 6, mb: 55 }]);
    expect(seriesOf(samples, pick, 'ingest')).toEqual([{ t_s: 2, mb: 100 }, { t_s: 4, mb: 110 }]);
  });
});

describe('v8MemoryMb', () => {
  it("reads the heap in use and the external memory from a service registry's real /metrics text", async () => {
    const text = await createMetricsRegistry('bench-test').metrics();
    const m = v8MemoryMb(text);
    const live = process.memoryUsage();
    // the registry reports this very process: within a few MB of what Node says now
    expect(m.heapUsedMb).toBeGreaterThan(1);
    expect(Math.abs(m.heapUsedMb - live.heapUsed / 2 ** 20)).toBeLessThan(64);
    expect(m.externalMb).toBeGreaterThan(0);
  });

  it('sums the lines of a cluster (one per worker), and gives NaN when the metric is absent', () => {
    const text = [
      '# TYPE downradar_nodejs_heap_size_used_bytes gauge',
      'downradar_nodejs_heap_size_used_bytes{service="sink",worker="1"} 10485760',
      'downradar_nodejs_heap_size_used_bytes{service="sink",worker="2"} 20971520',
      'downradar_nodejs_heap_size_used_bytes_other 999999999',
    ].join('\n');
    expect(v8MemoryMb(text).heapUsedMb).toBe(30);
    expect(v8MemoryMb(text).externalMb).toBeNaN();
  });
});
