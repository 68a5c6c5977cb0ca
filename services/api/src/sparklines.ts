import type { Reader } from './clickhouse';
import { sparklinesSql, type SparkRow } from './queries/services.queries';
import { DAY_MS, MINUTE_MS } from './time-range';

export const SPARK_STEP_MS = 15 * MINUTE_MS;
export const SPARK_POINTS = 96;
/** A quarter hour that ended this long ago no longer changes (the detector's lateness is shorter). */
export const SPARK_SETTLE_MS = 30 * MINUTE_MS;

/**
 * The board's 24-hour sparklines (reports per 15 minutes, every service). Counting a day of
 * every service's reports from the rollup takes about a second at 100 million stored reports,
 * and the board asks every few seconds: so settled quarter hours are kept here, and each refresh
 * reads only from the first unsettled one (about half an hour of data).
 */
export class SparklineStore {
  /** bucket start (ms) -> service -> reports */
  private readonly buckets = new Map<number, Map<string, number>>();
  /** buckets starting before this are final */
  private settledBefore = -Infinity;

  constructor(private readonly reader: Reader) {}

  async lines(now: number): Promise<{ from: number; lines: Map<string, number[]> }> {
    // 96 buckets, the last one being the current (partial) quarter hour.
    const from = sparkFrom(now);
    const fetchFrom = Math.max(from, this.settledBefore);
    const rows = await this.reader.rows<SparkRow>(sparklinesSql(this.reader, { from: fetchFrom, to: now + 1 }));
    for (const t of [...this.buckets.keys()]) if (t >= fetchFrom || t < from) this.buckets.delete(t);
    for (const row of rows) {
      const t = row.t * 1000;
      let bucket = this.buckets.get(t);
      if (!bucket) this.buckets.set(t, (bucket = new Map()));
      bucket.set(row.service_id, Number(row.n));
    }
    this.settledBefore = Math.max(this.settledBefore, Math.floor((now - SPARK_SETTLE_MS) / SPARK_STEP_MS) * SPARK_STEP_MS);

    const lines = new Map<string, number[]>();
    for (const [t, bucket] of this.buckets) {
      const i = Math.floor((t - from) / SPARK_STEP_MS);
      if (i < 0 || i >= SPARK_POINTS) continue;
      for (const [service, n] of bucket) {
        let line = lines.get(service);
        if (!line) lines.set(service, (line = new Array<number>(SPARK_POINTS).fill(0)));
        line[i] = n;
      }
    }
    return { from, lines };
  }
}

/** First bucket start of the 96 that end with the quarter hour containing `at`. */
export function sparkFrom(at: number): number {
  return Math.floor(at / SPARK_STEP_MS) * SPARK_STEP_MS + SPARK_STEP_MS - DAY_MS;
}

/**
 * The sparklines as they stood at a moment of the past (the board's `?at=`): reports before
 * `at`, in the 96 quarter hours ending with the one `at` falls in. Read directly (a past moment
 * is asked for rarely, and its answer no longer changes).
 */
export async function sparklinesAt(reader: Reader, at: number): Promise<Map<string, number[]>> {
  const from = sparkFrom(at);
  const rows = await reader.rows<SparkRow>(sparklinesSql(reader, { from, to: at }));
  const lines = new Map<string, number[]>();
  for (const row of rows) {
    const i = Math.floor((row.t * 1000 - from) / SPARK_STEP_MS);
    if (i < 0 || i >= SPARK_POINTS) continue;
    let line = lines.get(row.service_id);
    if (!line) lines.set(row.service_id, (line = new Array<number>(SPARK_POINTS).fill(0)));
    line[i] = Number(row.n);
  }
  return lines;
}
