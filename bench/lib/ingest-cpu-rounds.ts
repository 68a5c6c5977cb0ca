/**
 * The NDJSON CPU ratio of bench:ingest (batch_to_kafkajs_cpu_ratio) as the median of short
 * interleaved rounds. Each round measures ingest on one batch load and the best-configured kafkajs
 * peer on the same messages back to back (order alternating: ingest first in even rounds, the peer
 * first in odd ones), so both sides of a round's ratio see nearly the same machine; the median of
 * the rounds' ratios then leaves out the rounds a neighbour, a garbage collection or a slow
 * peer start disturbed, instead of dividing one side's median by the other's, taken minutes apart.
 *
 * Each side's CPU is what /proc says its processes used over its load (ingest: the primary and its
 * workers, each printed; the peer: its own process.cpuUsage() while sending, which covers all its
 * threads as /proc does). Beside each side the round prints what else the machine did meanwhile
 * (`others`: the machine's busy cores less the measured side's, the broker's and this process's),
 * so a swing can be told from a neighbour.
 */
import { median } from '@downradar/common/bench-results';
import { machineCpuS, processCpuS } from './cpu';
import { processTreeMemory } from './processes';

export interface SideCpu {
  /** CPU µs per unit (report or message) */
  us: number;
  /** wall seconds of the load */
  wallS: number;
  /** other CPU on the machine meanwhile, in cores */
  othersCores: number;
  /** CPU seconds of each process of the side (ingest: primary and workers) */
  perProcessS: number[];
}

export interface Round {
  ingest: SideCpu;
  peer: SideCpu;
  /** peer CPU for a report's messages / ingest CPU per report */
  ratio: number;
}

/** CPU seconds of each process of a tree now, by pid. */
function treeCpu(rootPid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of processTreeMemory(rootPid)) out.set(p.pid, processCpuS(p.pid));
  return out;
}

/**
 * Measures `load` (which does `units` units of work) on the process tree `rootPid`: CPU µs a unit
 * from /proc, and the machine's other work meanwhile (less `alsoPids`' CPU, e.g. the broker's).
 */
export async function measureTree(rootPid: number, units: number, load: () => Promise<void>, alsoPids: number[] = []): Promise<SideCpu> {
  const before = treeCpu(rootPid);
  const also0 = alsoPids.reduce((s, p) => s + processCpuS(p), 0);
  const m0 = machineCpuS();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await load();
  const wallS = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const m1 = machineCpuS();
  const after = treeCpu(rootPid);
  const perProcessS = [...after].map(([pid, s]) => s - (before.get(pid) ?? 0));
  const sideS = perProcessS.reduce((a, b) => a + b, 0);
  const alsoS = alsoPids.reduce((s, p) => s + processCpuS(p), 0) - also0;
  const othersS = m1.busyS - m0.busyS - sideS - alsoS - (self.user + self.system) / 1e6;
  return { us: (sideS * 1e6) / units, wallS, othersCores: Math.max(0, othersS) / wallS, perProcessS };
}

/**
 * Measures a side that reports its own CPU (the kafkajs peer: `run` resolves to its CPU seconds
 * for `units` messages), with the machine's other work meanwhile as in measureTree.
 */
export async function measureSelfReported(units: number, run: () => Promise<number>, alsoPids: number[] = []): Promise<SideCpu> {
  const also0 = alsoPids.reduce((s, p) => s + processCpuS(p), 0);
  const m0 = machineCpuS();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const cpuS = await run();
  const wallS = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const m1 = machineCpuS();
  const alsoS = alsoPids.reduce((s, p) => s + processCpuS(p), 0) - also0;
  // The peer's start-up (module loading, connecting) is inside wallS but not inside cpuS: others
  // here are an upper bound.
  const othersS = m1.busyS - m0.busyS - cpuS - alsoS - (self.user + self.system) / 1e6;
  return { us: (cpuS * 1e6) / units, wallS, othersCores: Math.max(0, othersS) / wallS, perProcessS: [cpuS] };
}

/** `rounds` rounds of ingest and the peer, alternating which goes first. */
export async function cpuRounds(o: {
  rounds: number;
  messagesPerReport: number;
  ingest: (round: number) => Promise<SideCpu>;
  peer: (round: number) => Promise<SideCpu>;
  onRound?: (round: number, r: Round) => void;
}): Promise<Round[]> {
  const out: Round[] = [];
  for (let i = 0; i < o.rounds; i++) {
    let ingest: SideCpu;
    let peer: SideCpu;
    if (i % 2 === 0) {
      ingest = await o.ingest(i);
      peer = await o.peer(i);
    } else {
      peer = await o.peer(i);
      ingest = await o.ingest(i);
    }
    const r = { ingest, peer, ratio: (peer.us * o.messagesPerReport) / ingest.us };
    out.push(r);
    o.onRound?.(i, r);
  }
  return out;
}

/** Median, spread and the median of each side, of a set of rounds. */
export function roundsSummary(rounds: Round[]): { ratio: number; min: number; max: number; ingestUs: number; peerUs: number } {
  const ratios = rounds.map((r) => r.ratio);
  return {
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    ingestUs: median(rounds.map((r) => r.ingest.us)),
    peerUs: median(rounds.map((r) => r.peer.us)),
  };
}
