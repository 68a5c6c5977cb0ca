/**
 * The fault drills in their short form (tests/reliability/drills.ts; `npm run drills` runs them
 * at full scale): broker kill -9, ClickHouse stopped 15 s, detector kill -9 mid-incident, webhook
 * receiver down 20 s, a 15-s burst at 10x. Nothing may be lost or duplicated.
 *
 * They run on their own stack (.data/drills, Kafka 19092, ClickHouse 18123 unless taken; private-stack.ts),
 * never on the shared one, since they kill its servers. About three and a half minutes: after the
 * broker kill, the ClickHouse drill runs beside the detector drill; the webhook receiver drill and
 * the burst run after them, each alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillScale, formatTable, runDrills, startDrills, stopDrills, type DrillEnv, type DrillRow } from './drills';
import { privateStack } from './private-stack';

const scale = drillScale('short');
let env: DrillEnv | undefined;
let rows: DrillRow[] = [];
const t0 = Date.now();
const log = (line: string) => console.log(`[drills ${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}`);

beforeAll(async () => {
  env = await startDrills(privateStack(), scale, log);
  rows = await runDrills(env, { parallel: true });
  console.log(formatTable(rows));
}, 900_000);

afterAll(async () => {
  await stopDrills(env);
}, 120_000);

const row = (drill: string): DrillRow => {
  const r = rows.find((x) => x.drill === drill);
  if (!r) throw new Error(`drill ${drill} did not run`);
  return r;
};
const why = (r: DrillRow) => `${r.fault}; ${r.load}\n${r.notes.join('\n')}`;

describe('fault drills (short form)', () => {
  it('kill -9 the broker under load: every 202 is in Kafka and in ClickHouse exactly once', () => {
    const r = row('broker-kill');
    expect({ lost: r.lost, duplicated: r.duplicated }, why(r)).toEqual({ lost: 0, duplicated: 0 });
    expect(r.metrics.accepted_reports, why(r)).toBeGreaterThan(scale.normalRatePerS * 5);
  });

  it('ClickHouse stopped under load: the sink catches up and the counts are exact', () => {
    const r = row('clickhouse-stop');
    expect({ lost: r.lost, duplicated: r.duplicated }, why(r)).toEqual({ lost: 0, duplicated: 0 });
    expect(r.recoveryS, why(r)).toBeLessThan(120);
  });

  it('kill -9 the detector mid-incident: no incident event missed or duplicated', () => {
    const r = row('detector-kill');
    expect({ missed: r.metrics.missed_incident_events, duplicated: r.metrics.duplicated_incident_events }, why(r)).toEqual({ missed: 0, duplicated: 0 });
    expect(r.metrics.incident_events, why(r)).toBeGreaterThanOrEqual(3);
    // The incident starts where the core, in one uninterrupted pass, starts it (same id, same window).
    expect(r.metrics.incident_start_vs_reference_min, why(r)).toBe(0);
  });

  it('webhook receiver down: every delivery arrives afterwards, once, and the healthy receiver is not held up', () => {
    const r = row('receiver-down');
    expect({ missed: r.metrics.missed_webhooks, duplicated: r.metrics.duplicated_webhooks, badSignatures: r.metrics.webhook_bad_signatures }, why(r)).toEqual({
      missed: 0,
      duplicated: 0,
      badSignatures: 0,
    });
    expect(r.metrics.healthy_receiver_max_delay_s, why(r)).toBeLessThan(5);
  });

  it('10x burst: ingest sheds with 429/503, loses nothing it accepted, and its memory stays bounded', () => {
    const r = row('burst');
    expect({ lost: r.lost, duplicated: r.duplicated }, why(r)).toEqual({ lost: 0, duplicated: 0 });
    expect((r.metrics.burst_shed_429 ?? 0) + (r.metrics.burst_shed_503 ?? 0), why(r)).toBeGreaterThan(0);
    expect(r.metrics.ingest_max_rss_mb, why(r)).toBeLessThan(scale.rssLimitMb);
  });
});
