import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesAccountFromEnv } from '@downradar/common';
import { CLICKHOUSE_URL, clickhouseAuthHeaders, eventually } from '@downradar/common/testing';
import { replayInto, startSystem, type TestSystem } from './harness/system';

/**
 * The write and read paths together: the replayer posts a slice of the 2021 outage to ingest
 * over HTTP, the sink stores it in ClickHouse, and the read API draws the curve from it.
 */
let sys: TestSystem;
const FROM = '2021-10-04T14:00:00Z';
const TO = '2021-10-04T17:00:00Z';

beforeAll(async () => {
  sys = await startSystem('pipeline', { services: ['ingest', 'sink', 'api'] });
});
afterAll(async () => {
  await sys?.stop();
});

describe('replay -> ingest -> Kafka -> sink -> ClickHouse -> API', () => {
  it('draws the facebook curve of 4 October 2021 with its onset at 15:45 and counts exactly what ingest accepted', async () => {
    const r = await replayInto(sys, ['--scenario', 'fb-2021-10-04', '--speed', 'max', '--scale', '0.002', '--from', FROM, '--to', TO, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { reports: number; posts: number; targetStats: { accepted: number; rejected: number; duplicates: number } };
    // Every generated event was accepted (none rejected, none a duplicate on a first replay).
    expect(summary.targetStats.rejected, JSON.stringify(summary)).toBe(0);
    expect(summary.targetStats.accepted).toBe(summary.reports + summary.posts);
    const accepted = summary.reports;
    expect(accepted).toBeGreaterThan(1000);

    // Every accepted report is in ClickHouse exactly once (the sink dedupes on the report id).
    // Waited for first: the curve below is then drawn from all of them, not from the first batches.
    const total = await eventually(
      async () => {
        const q = encodeURIComponent(`SELECT count() FROM ${sys.database}.reports FINAL FORMAT TabSeparated`);
        const res = await fetch(`${CLICKHOUSE_URL}/?query=${q}`, { headers: clickhouseAuthHeaders(servicesAccountFromEnv()) });
        const n = Number((await res.text()).trim());
        return n === accepted ? n : undefined;
      },
      120_000,
      `${accepted} reports in ClickHouse`,
    );
    expect(total).toBe(accepted);

    const api = sys.url('api');
    const from = Date.parse(FROM);
    const to = Date.parse(TO);
    const res = await fetch(`${api}/v1/services/facebook/curve?from=${from}&to=${to}&step=15`);
    expect(res.status).toBe(200);
    const curve = (await res.json()) as { points: { t: number; reports: number }[] };
    expect(curve.points).toHaveLength(12);
    const byTime = new Map(curve.points.map((p) => [new Date(p.t).toISOString().slice(11, 16), p.reports]));
    // Quiet before the outage, then a wall from the 15:45 bucket on (onset 15:44 UTC).
    const before = byTime.get('15:15')!;
    const after = byTime.get('16:00')!;
    expect(after).toBeGreaterThan(20 * Math.max(1, before));
    const onset = curve.points.findIndex((p) => p.reports > 10 * Math.max(1, before));
    expect(new Date(curve.points[onset]!.t).toISOString().slice(11, 16)).toMatch(/^15:(30|45)$/);
  });
});
