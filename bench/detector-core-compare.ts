/**
 * The detector core's throughput in two checkouts, in one process, passes alternating and each
 * checkout first in every other pass (the one measured first in a pass runs faster on a busy
 * machine): before / after a change to services/detector/src/core.
 *
 *   git archive main services/detector/src schemas | tar -x -C /tmp/before
 *   ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsx bench/detector-core-compare.ts /tmp/before .
 *
 * The loop is lib/detector-core-throughput.ts's (40 services, 2,000 signals per second of event
 * time, 1,000,000 reporters, advance every 5,000 signals), 400,000 measured signals after 100,000
 * of warm-up, 6 passes per checkout; it prints signals per CPU second, median and every pass, and
 * the ratio of the medians. Prints only: bench:detector writes the figures of this checkout.
 */
import { resolve } from 'node:path';

interface Checkout {
  root: string;
  createDetector: (config: object, info: unknown) => { ingest(s: unknown): void; advance(now: number): void; flushAll(now: number): void };
  serviceInfoFrom: (entries: Iterable<unknown>) => unknown;
}

const roots = process.argv.slice(2).map((r) => resolve(r));
if (roots.length !== 2) {
  process.stderr.write('usage: npx tsx bench/detector-core-compare.ts <checkout before> <checkout after>\n');
  process.exit(2);
}
const checkouts: Checkout[] = await Promise.all(
  roots.map(async (root) => ({
    root,
    createDetector: (await import(`${root}/services/detector/src/core/detector.ts`)).createDetector,
    serviceInfoFrom: (await import(`${root}/services/detector/src/core/facts.ts`)).serviceInfoFrom,
  })),
);
const sim = await import('../services/detector/src/testing/simulate');
const COUNT = 400_000;
const WARMUP = 100_000;
const EVERY = 5_000;
const PASSES = 6;
const services = Array.from({ length: 40 }, (_, i) => sim.SAMPLE_CATALOG[i]?.id ?? `service-${i}`);
const entries = services.map((id, i) => sim.SAMPLE_CATALOG.find((s) => s.id === id) ?? { id, baselinePerMinute: sim.FORTY_SERVICE_RATES[i % 40] });
const all = sim.generateSignals({ seed: 1, services, count: WARMUP + COUNT, startAt: Date.UTC(2021, 9, 4, 15, 0), perSecond: 2_000, reporters: 1_000_000, jitterMs: 5_000 });

const rates = new Map<string, number[]>(roots.map((r) => [r, []]));
for (let pass = 0; pass < PASSES; pass++) {
  const order = pass % 2 === 0 ? checkouts : [...checkouts].reverse();
  for (const c of order) {
    const d = c.createDetector({}, c.serviceInfoFrom(entries));
    let now = 0;
    for (let i = 0; i < WARMUP; i++) {
      d.ingest(all[i]);
      if (i % EVERY === 0) d.advance((now += 1));
    }
    const cpu0 = process.cpuUsage();
    for (let i = WARMUP; i < all.length; i++) {
      d.ingest(all[i]);
      if (i % EVERY === 0) d.advance((now += 1));
    }
    d.flushAll((now += 1));
    const cpu = process.cpuUsage(cpu0);
    rates.get(c.root)!.push(COUNT / ((cpu.user + cpu.system) / 1e6));
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const medians = roots.map((r) => median(rates.get(r)!));
roots.forEach((r, k) => process.stdout.write(`${k === 0 ? 'before' : 'after '} ${r}: median ${Math.round(medians[k]!)} signals per CPU second (${rates.get(r)!.map(Math.round).join(', ')})\n`));
process.stdout.write(`ratio after / before: ${(medians[1]! / medians[0]!).toFixed(2)}\n`);
