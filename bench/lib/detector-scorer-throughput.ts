/**
 * The scoring stage without Kafka: one PartitionScorer (services/detector/src/stages) reading
 * signals messages as the producers write them (binary, or the older JSON form), and per batch of
 * messages what a transaction does around them: advance, checkpoint, commit of the checkpoint
 * (records built, not sent). Signals per CPU second of this process, so that the figure holds up
 * on a shared machine, and the checkpoint bytes per signal; beside them what writing the dedupe
 * tables whole in every transaction (the checkpoint before deltas) would write and cost.
 * bench/detector.bench.ts calls it.
 */
import { readSignalMessage, SignalSlicer, type OutMessage } from '@downradar/common';
import type { SignalEvent } from '../../schemas/events/index';
import { resolveDetectorConfig } from '../../services/detector/src/core/config';
import { serviceInfoFrom } from '../../services/detector/src/core/facts';
import { PartitionScorer } from '../../services/detector/src/stages/partition-scorer';
import { loadCatalog } from '../../schemas/catalog/index';

export interface ScorerPass {
  format: 'binary' | 'json';
  signalsPerCpuSecond: number;
  checkpointBytesPerSignal: number;
  /** What the dedupe tables written whole every transaction would have been, bytes per signal. */
  wholeTablesBytesPerSignal: number;
  /** CPU to serialise every dedupe table every transaction (what the old writer did), per signal, µs. */
  wholeTablesCpuUsPerSignal: number;
  accepted: number;
}

/** Messages of `perBatch` in a row form one batch (one transaction), as kafkajs hands them over. */
export function measureScorer(signals: readonly SignalEvent[], format: 'binary' | 'json', perBatch = 250): ScorerPass {
  // As the producers write them: one message per service per 5 s slice (the same cuts in both forms).
  const out: OutMessage[] = [];
  const slicer = new SignalSlicer('bench.signals');
  for (const s of signals) slicer.add(format === 'binary' ? { serviceId: s.serviceId, signal: s } : { serviceId: s.serviceId, json: JSON.stringify(s) }, s.at, out);
  slicer.flush(out);
  const messages = out.map((m, i) => ({ offset: String(i), value: typeof m.value === 'string' ? Buffer.from(m.value) : m.value }));
  const catalog = loadCatalog();
  const info = serviceInfoFrom(catalog.services);
  const config = resolveDetectorConfig({ idleTimeoutMs: 0 });
  const scorer = new PartitionScorer('bench.signals', 0, config, info, () => undefined, 0);
  let bytes = 0;
  let accepted = 0;
  const batches: { offset: string; value: Buffer }[][] = [];
  for (let i = 0; i < messages.length; i += perBatch) batches.push(messages.slice(i, i + perBatch));
  const cpu0 = process.cpuUsage();
  for (const [n, batch] of batches.entries()) {
    accepted += scorer.ingest(batch, readSignalMessage, n).accepted;
    scorer.advance(n);
    const diff = scorer.checkpoint();
    for (const r of diff.records) bytes += r.value?.length ?? 0;
    diff.commit();
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // The counterfactual, measured apart: every table serialised in every transaction.
  const replay = new PartitionScorer('bench.signals', 0, config, info, () => undefined, 0);
  let wholeBytes = 0;
  let wholeCpuUs = 0;
  for (const [n, batch] of batches.entries()) {
    replay.ingest(batch, readSignalMessage, n);
    replay.advance(n);
    const c0 = process.cpuUsage();
    for (const [, table] of replay.detector.dedupeTables()) wholeBytes += JSON.stringify(table.toJSON()).length;
    const c = process.cpuUsage(c0);
    wholeCpuUs += c.user + c.system;
    replay.checkpoint().commit();
  }
  return {
    format,
    signalsPerCpuSecond: Math.round(signals.length / cpuS),
    checkpointBytesPerSignal: Math.round(bytes / signals.length),
    wholeTablesBytesPerSignal: Math.round(wholeBytes / signals.length),
    wholeTablesCpuUsPerSignal: Number((wholeCpuUs / signals.length).toFixed(2)),
    accepted,
  };
}
