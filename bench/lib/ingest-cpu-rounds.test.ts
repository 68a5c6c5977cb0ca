import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuRounds, measureTree, roundsSummary, type SideCpu } from './ingest-cpu-rounds';

const side = (us: number): SideCpu => ({ us, wallS: 1, othersCores: 0, perProcessS: [us] });

describe('CPU rounds of bench:ingest', () => {
  it('alternates which side goes first and takes the median of the rounds ratios', async () => {
    const order: string[] = [];
    const ingestUs = [20, 40, 22, 21, 19];
    const peerUs = [14, 15, 30, 14, 13];
    const rounds = await cpuRounds({
      rounds: 5,
      messagesPerReport: 1,
      ingest: async (i) => (order.push(`i${i}`), side(ingestUs[i]!)),
      peer: async (i) => (order.push(`p${i}`), side(peerUs[i]!)),
    });
    expect(order).toEqual(['i0', 'p0', 'p1', 'i1', 'i2', 'p2', 'p3', 'i3', 'i4', 'p4']);
    const ratios = rounds.map((r) => r.ratio);
    expect(ratios[1]).toBeCloseTo(15 / 40);
    const s = roundsSummary(rounds);
    // ratios: 0.7, 0.375, 1.364, 0.667, 0.684 -> median 0.684
    expect(s.ratio).toBeCloseTo(13 / 19);
    expect(s.min).toBeCloseTo(15 / 40);
    expect(s.max).toBeCloseTo(30 / 22);
    expect(s.ingestUs).toBe(21);
    expect(s.peerUs).toBe(14);
  });

  it('counts messages per report into the ratio', async () => {
    const rounds = await cpuRounds({ rounds: 1, messagesPerReport: 1.016, ingest: async () => side(25), peer: async () => side(17.5) });
    expect(rounds[0]!.ratio).toBeCloseTo((17.5 * 1.016) / 25);
  });

  it('measures the CPU of a process tree from /proc over a load', async () => {
    // A child that burns 0.3 s of CPU on "go", says "done" and waits to be killed.
    const child = spawn(process.execPath, ['-e', `process.stdin.once('data', () => { const u = () => { const c = process.cpuUsage(); return c.user + c.system; }; const t = u() + 300000; while (u() < t); console.log('done'); })`], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const s = await measureTree(child.pid!, 1000, async () => {
        const done = new Promise((r) => child.stdout!.once('data', r));
        child.stdin!.write('go\n');
        await done;
      });
      // 0.3 s over 1,000 units: about 300 us each (clock ticks of 10 ms)
      expect(s.us).toBeGreaterThan(250);
      expect(s.us).toBeLessThan(400);
      expect(s.perProcessS).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
