import { describe, expect, it } from 'vitest';
import { cpuAccount, cpuSnapshot, machineCpuS, type CpuSnapshot } from './cpu';

describe('machineCpuS', () => {
  it('counts user, nice, system, irq, softirq and steal as busy and idle + iowait beside them, per core line', () => {
    const stat = 'cpu  1000 50 200 3000 100 10 40 0 0 0\ncpu0 500 25 100 1500 50 5 20 0 0 0\ncpu1 500 25 100 1500 50 5 20 0 0 0\nintr 1 2 3\n';
    const m = machineCpuS(stat);
    const ticksPerS = 1300 / m.busyS;
    expect(m.cores).toBe(2);
    expect(m.busyS * ticksPerS).toBeCloseTo(1300);
    expect(m.totalS * ticksPerS).toBeCloseTo(4400);
  });

  it('reads this machine: busy within all, as many cores as /proc/stat lists', () => {
    const m = machineCpuS();
    expect(m.cores).toBeGreaterThanOrEqual(1);
    expect(m.busyS).toBeGreaterThan(0);
    expect(m.busyS).toBeLessThan(m.totalS);
  });

  it('refuses a text without the aggregate line', () => {
    expect(() => machineCpuS('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });
});

const snap = (atMs: number, processes: Record<string, number>, selfS: number, busyS: number, totalS: number): CpuSnapshot => ({ atMs, processes, selfS, machine: { busyS, totalS, cores: 2 } });

describe('cpuAccount', () => {
  it('gives each process its seconds, the pipeline their sum without the generator, the rest of the machine as others', () => {
    const before = snap(0, { ingest: 10, kafka: 100 }, 1, 1000, 5000);
    // 10 s wall on 2 cores = 20 CPU s, of which 18 busy: ingest 6, kafka 4, generator 2, others 6
    const after = snap(10_000, { ingest: 16, kafka: 104 }, 3, 1018, 5020);
    const a = cpuAccount(before, after, 100_000);
    expect(a.wallS).toBe(10);
    expect(a.processesS).toEqual({ ingest: 6, kafka: 4 });
    expect(a.pipelineS).toBe(10);
    expect(a.generatorS).toBe(2);
    expect(a.othersS).toBe(6);
    expect(a.machineBusyShare).toBeCloseTo(0.9);
    expect(a.idleS).toBe(2);
    expect(a.pipelineCpuUsPerEvent).toBe(100);
    expect(a.generatorCpuUsPerEvent).toBe(20);
  });

  it('leaves a process without a pid out of the pipeline sum instead of poisoning it', () => {
    const a = cpuAccount(snap(0, { ingest: 1, clickhouse: NaN }, 0, 0, 0), snap(1000, { ingest: 2, clickhouse: NaN }, 0, 1, 2), 10);
    expect(a.pipelineS).toBe(1);
    expect(Number.isNaN(a.processesS.clickhouse)).toBe(true);
  });

  it('meters a real process tree: this process spinning shows as generator CPU, not as a named process', () => {
    const before = cpuSnapshot({ self: process.pid });
    const until = performance.now() + 300;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    const after = cpuSnapshot({ self: process.pid });
    const a = cpuAccount(before, after, 1);
    expect(x).toBeGreaterThan(0);
    expect(a.generatorS).toBeGreaterThan(0.1);
    // the same process seen from /proc (clock ticks) agrees with process.cpuUsage within a few ticks
    expect(Math.abs(a.processesS.self! - a.generatorS)).toBeLessThan(0.1);
  });
});
