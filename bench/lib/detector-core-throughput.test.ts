import { describe, expect, it } from 'vitest';
import { measureCoreThroughput } from './detector-core-throughput';

describe('measureCoreThroughput', () => {
  it('pushes the signals through a real detector and reports consistent figures', () => {
    const r = measureCoreThroughput({ signals: 100_000, warmup: 20_000, repeats: 1 });
    expect(r.signals).toBe(100_000);
    expect(r.passes).toHaveLength(1);
    expect(r.signalsPerSecond).toBeGreaterThan(0);
    expect(r.signalsPerCpuSecond).toBeGreaterThan(0);
    expect(r.stats.ingested).toBe(120_000);
    expect(r.stats.counted + r.stats.duplicates + r.stats.notOutage + r.stats.late).toBe(120_000);
    expect(r.scores).toBeGreaterThan(0);
    // Not the target (that is bench:detector's job on a quiet machine), just a tripwire for a
    // pathological slowdown of the hot path.
    expect(r.signalsPerCpuSecond).toBeGreaterThan(50_000);
  });
});
