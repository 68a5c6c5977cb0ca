/**
 * Where a bench:sink run's wall time went (DOWNRADAR_BENCH_SINK_TIMELINE=1): the bench's polls of
 * ClickHouse's row count, each with the CPU the sink's process, the broker and ClickHouse had used
 * since the clock started, summed into intervals and printed as rows stored and cores busy.
 */
export interface TimelineSample {
  /** ms since the run's clock started */
  ms: number;
  rows: number;
  sinkS: number;
  kafkaS: number;
  clickhouseS: number;
}

/** Samples merged into intervals of at least `stepMs` (the first sample's interval starts at 0). */
export function timelineIntervals(samples: TimelineSample[], stepMs = 500): { fromMs: number; toMs: number; rows: number; sink: number; kafka: number; clickhouse: number }[] {
  const out = [];
  let prev: TimelineSample = { ms: 0, rows: 0, sinkS: 0, kafkaS: 0, clickhouseS: 0 };
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (s.ms - prev.ms < stepMs && i < samples.length - 1) continue;
    const sec = (s.ms - prev.ms) / 1000;
    out.push({
      fromMs: prev.ms,
      toMs: s.ms,
      rows: s.rows - prev.rows,
      sink: sec > 0 ? (s.sinkS - prev.sinkS) / sec : 0,
      kafka: sec > 0 ? (s.kafkaS - prev.kafkaS) / sec : 0,
      clickhouse: sec > 0 ? (s.clickhouseS - prev.clickhouseS) / sec : 0,
    });
    prev = s;
  }
  return out;
}

export function printTimeline(title: string, samples: TimelineSample[]): void {
  console.log(`${title}: timeline (s from the clock's start: rows stored in the interval; cores busy: sink, broker, ClickHouse)`);
  for (const iv of timelineIntervals(samples))
    console.log(
      `  ${(iv.fromMs / 1000).toFixed(2).padStart(6)}-${(iv.toMs / 1000).toFixed(2).padEnd(6)} ${String(iv.rows).padStart(7)} rows  sink ${iv.sink.toFixed(2)}  kafka ${iv.kafka.toFixed(2)}  clickhouse ${iv.clickhouse.toFixed(2)}`,
    );
}
