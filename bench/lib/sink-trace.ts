/**
 * Where a bench:sink run's wall time went, from the sink's own trace (DOWNRADAR_SINK_TRACE=1: a
 * log line per mapped batch, encoded insert body and group insert, with epoch ms times; the bench
 * sets it with DOWNRADAR_BENCH_SINK_TIMELINE=1 and prints this summary per run). Also by hand:
 *
 *   npx tsx bench/lib/sink-trace.ts .data/logs/bench-sink.log
 */
import { readFileSync } from 'node:fs';

export interface TraceSpan {
  trace: 'map' | 'encode' | 'group';
  from: number;
  to: number;
  rows?: number;
  messages?: number;
}

export function parseTrace(text: string): TraceSpan[] {
  const out: TraceSpan[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"trace"')) continue;
    try {
      const o = JSON.parse(line) as TraceSpan;
      if (typeof o.from === 'number' && typeof o.to === 'number') out.push(o);
    } catch {
      // not a trace line
    }
  }
  return out;
}

/** Total length of the union of intervals. */
export function unionMs(spans: readonly { from: number; to: number }[]): number {
  const s = [...spans].sort((a, b) => a.from - b.from);
  let total = 0;
  let end = -Infinity;
  let start = -Infinity;
  for (const x of s) {
    if (x.from > end) {
      if (end > start) total += end - start;
      start = x.from;
      end = x.to;
    } else end = Math.max(end, x.to);
  }
  if (end > start) total += end - start;
  return total;
}

/** Length of the part of `a`'s union that lies inside `b`'s union. */
export function overlapMs(a: readonly { from: number; to: number }[], b: readonly { from: number; to: number }[]): number {
  const both: { from: number; to: number }[] = [];
  for (const x of a) for (const y of b) {
    const from = Math.max(x.from, y.from);
    const to = Math.min(x.to, y.to);
    if (to > from) both.push({ from, to });
  }
  return unionMs(both);
}

export function summarizeTrace(spans: TraceSpan[], clockStart?: number, done?: number): string {
  const maps = spans.filter((s) => s.trace === 'map');
  const encodes = spans.filter((s) => s.trace === 'encode');
  const groups = spans.filter((s) => s.trace === 'group');
  if (maps.length === 0) return 'no trace lines';
  const t0 = clockStart ?? Math.min(...maps.map((m) => m.from));
  const rel = (t: number) => ((t - t0) / 1000).toFixed(2);
  const sum = (xs: TraceSpan[]) => xs.reduce((a, x) => a + x.to - x.from, 0);
  const firstMap = Math.min(...maps.map((m) => m.from));
  const firstGroup = Math.min(...groups.map((g) => g.from));
  const lastAck = Math.max(...groups.map((g) => g.to));
  const busy = [...maps, ...groups];
  const window = lastAck - firstMap;
  const rows = groups.reduce((a, g) => a + (g.rows ?? 0), 0);
  return [
    `first batch mapped from ${rel(firstMap)} s, first insert ${rel(firstGroup)} s, last acknowledged ${rel(lastAck)} s${done ? `, counted ${rel(done)} s` : ''}`,
    `between the first batch and the last acknowledgement (${(window / 1000).toFixed(2)} s): mapping ${(sum(maps) / 1000).toFixed(2)} s (${maps.length} batches), ` +
      `encoding ${(sum(encodes) / 1000).toFixed(2)} s, an insert in flight ${(unionMs(groups) / 1000).toFixed(2)} s (${groups.length} groups, ${Math.round(rows / Math.max(1, groups.length))} rows each), ` +
      `mapping while an insert was in flight ${(overlapMs(maps, groups) / 1000).toFixed(2)} s, neither (fetching, kafkajs decoding, GC, idle) ${((window - unionMs(busy)) / 1000).toFixed(2)} s`,
  ].join('\n  ');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(summarizeTrace(parseTrace(readFileSync(process.argv[2] ?? '.data/logs/bench-sink.log', 'utf8'))));
