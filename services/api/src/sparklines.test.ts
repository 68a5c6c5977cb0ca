import { describe, expect, it } from 'vitest';
import type { Reader } from './clickhouse';
import type { SparkRow } from './queries/services.queries';
import { SparklineStore, SPARK_STEP_MS } from './sparklines';

const Q = SPARK_STEP_MS;
const NOW = Date.UTC(2021, 9, 4, 18, 5);

/** A reader over fixed rows that answers the sparkline query for the range it is asked. */
function fakeReader(rows: SparkRow[]) {
  const ranges: { from: number; to: number }[] = [];
  const reader: Reader = {
    database: 'db',
    table: (name) => `db.${name}`,
    async rows<T>(query: string): Promise<T[]> {
      const m = /minute >= toDateTime\((\d+)\) AND minute < toDateTime\((\d+)\)/.exec(query)!;
      const from = Number(m[1]) * 1000;
      const to = Number(m[2]) * 1000;
      ranges.push({ from, to });
      return rows.filter((r) => r.t * 1000 >= Math.floor(from / Q) * Q && r.t * 1000 < to) as T[];
    },
  };
  return { reader, ranges };
}

describe('SparklineStore', () => {
  it('reads the whole day once, then only from the first unsettled quarter hour', async () => {
    const rows: SparkRow[] = [
      { service_id: 'facebook', t: (NOW - 20 * 3_600_000 - (NOW % Q)) / 1000, n: 7 },
      { service_id: 'facebook', t: (NOW - (NOW % Q)) / 1000, n: 3 },
      { service_id: 'twitter', t: (NOW - (NOW % Q) - Q) / 1000, n: 5 },
    ];
    const { reader, ranges } = fakeReader(rows);
    const store = new SparklineStore(reader);
    const first = await store.lines(NOW);
    expect(ranges[0]!.from).toBe(first.from);
    expect(first.from).toBe(NOW - (NOW % Q) + Q - 86_400_000);
    const fb = first.lines.get('facebook')!;
    expect(fb).toHaveLength(96);
    expect(fb[95]).toBe(3);
    expect(fb.reduce((a, b) => a + b, 0)).toBe(10);
    expect(first.lines.get('twitter')![94]).toBe(5);

    // A new report in the current quarter hour; the settled past is not read again.
    rows[1]!.n = 4;
    const second = await store.lines(NOW + 60_000);
    expect(ranges[1]!.from).toBe(Math.floor((NOW - 30 * 60_000) / Q) * Q);
    expect(second.lines.get('facebook')![95]).toBe(4);
    expect(second.lines.get('facebook')!.reduce((a, b) => a + b, 0)).toBe(11);
    expect(second.lines.get('twitter')![94]).toBe(5);

    // A day later the old buckets have left the window.
    const later = await store.lines(NOW + 86_400_000);
    expect(later.lines.size).toBe(0);
  });
});
