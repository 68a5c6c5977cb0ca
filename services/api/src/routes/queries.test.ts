import { describe, expect, it } from 'vitest';
import { createReader } from '../clickhouse';
import { incidentsAtSql, servicesOf } from '../queries/incidents.queries';
import { breakdownFrom, breakdownSql, curveReportsSql, hashtagsSql } from '../queries/services.queries';
import { sparkStepMs, trendSparkline, trendUsesSql } from '../queries/trends.queries';
import type { ClickHouseClient } from '@downradar/common';

const reader = createReader({} as ClickHouseClient, 'downradar', 1000);

describe('SQL builders', () => {
  it('splice only validated slugs and integers', () => {
    const sql = curveReportsSql(reader, 'facebook', { start: 1_633_359_600_000, to: 1_633_363_200_500, stepMs: 900_000, count: 4 });
    expect(sql).toContain("service_id = 'facebook'");
    expect(sql).toContain('minute >= toDateTime(1633359600) AND minute < toDateTime(1633363201)');
    expect(sql).toContain('intDiv(toUInt32(minute), 900) * 900');
    expect(() => curveReportsSql(reader, "x' OR 1=1 --", { start: 0, to: 1, stepMs: 60_000, count: 1 })).toThrow(/not a slug/);
    expect(() => breakdownSql(reader, ['facebook', 'Bad'], { from: 0, to: 1 })).toThrow(/not a slug/);
    expect(() => hashtagsSql(reader, ['facebook'], { from: 0, to: 1 }, 1.5)).toThrow(/not an integer/);
    expect(() => createReader({} as ClickHouseClient, 'db; DROP', 1000)).toThrow(/not an identifier/);
  });
});

describe('breakdownFrom', () => {
  it('sums each dimension over the combinations, with shares in % and unknown countries named', () => {
    const b = breakdownFrom([
      { problem: 'login', country: 'US', source: 'web', n: 6 },
      { problem: 'login', country: '', source: 'api', n: 2 },
      { problem: 'app', country: 'US', source: 'web', n: 2 },
    ]);
    expect(b.total).toBe(10);
    expect(b.problems).toEqual([
      { key: 'login', count: 8, pct: 80 },
      { key: 'app', count: 2, pct: 20 },
    ]);
    expect(b.countries).toEqual([
      { key: 'US', count: 8, pct: 80 },
      { key: 'unknown', count: 2, pct: 20 },
    ]);
    expect(breakdownFrom([])).toEqual({ total: 0, problems: [], countries: [], sources: [] });
  });
});

describe('trend sparklines', () => {
  it('uses at most 48 buckets of whole minutes, dense, oldest first', () => {
    expect(sparkStepMs({ from: 0, to: 3_600_000 })).toBe(120_000);
    expect(sparkStepMs({ from: 0, to: 600_000 })).toBe(60_000);
    expect(sparkStepMs({ from: 0, to: 86_400_000 })).toBe(30 * 60_000);
    expect(
      trendSparkline({ from: 0, to: 600_000 }, [
        { k: 0, n: 1 },
        { k: 1, n: 2 },
        { k: 1, n: 3 },
        { k: 9, n: 4 },
        { k: 15, n: 99 },
      ]),
    ).toEqual([1, 5, 0, 0, 0, 0, 0, 0, 0, 4]);
  });
  it('counts uses from the exact rollup, for the hashtags the trend query picks, without splicing hashtag text', () => {
    const sql = trendUsesSql(reader, { from: 1_633_359_600_500, to: 1_633_363_200_000 }, 50);
    expect(sql).toContain('uniqExactMerge(sources)');
    expect(sql).toContain('FROM downradar.hashtag_volume_1m');
    expect(sql).toContain('intDiv(toInt64(toUInt32(minute)) - 1633359600, 120)');
    expect(sql).toMatch(/hashtag IN \(SELECT hashtag FROM \(SELECT hashtag,[\s\S]*FROM downradar\.trends FINAL[\s\S]*LIMIT 50\)\)/);
  });
});

describe('incidents as they stood at a moment', () => {
  it('takes each incident\'s latest event up to the moment, and keeps those not resolved before the range', () => {
    const sql = incidentsAtSql(reader, { from: 1_633_000_000_000, to: 1_633_364_000_000 }, 1_633_364_000_000, { serviceId: 'facebook', limit: 20 });
    expect(sql).toContain('WHERE at_ms <= 1633364000000 AND started_at < toDateTime(1633364000)');
    expect(sql).toContain('argMax(type, seq) AS last_type');
    expect(sql).toContain("(last_type != 'resolved' OR a_resolved_s >= 1633000000)");
    expect(sql).toContain("has(a_ids, 'facebook')");
    expect(sql).toContain('LIMIT 20');
    expect(() => incidentsAtSql(reader, { from: 0, to: 1 }, 1, { serviceId: "x' OR 1", limit: 1 })).toThrow(/not a slug/);
  });
});

describe('servicesOf', () => {
  const arrays = {
    incident_id: 'i',
    level: 'danger',
    started_s: 1,
    resolved_s: 0,
    family: '',
    provider: '',
    service_ids: ['facebook', 'att'],
    service_roles: ['primary', 'collateral'],
    service_levels: ['danger', 'warning'],
    first_warning_s: [100, 0],
    first_danger_s: [160, 0],
    service_peak_scores: [0.99, 0.7],
    service_peak_counts: [500, 20],
    summary: '',
  };
  it('rebuilds the services from the parallel arrays when services_json is unusable', () => {
    expect(servicesOf({ ...arrays, services_json: '' })).toEqual([
      { serviceId: 'facebook', role: 'primary', level: 'danger', firstWarningAt: 100_000, firstDangerAt: 160_000, peakScore: 0.99, peakCount: 500 },
      { serviceId: 'att', role: 'collateral', level: 'warning', peakScore: 0.7, peakCount: 20 },
    ]);
  });
  it('prefers the message list', () => {
    const list = [{ serviceId: 'facebook', role: 'primary', level: 'ok', peakScore: 0, peakCount: 0 }];
    expect(servicesOf({ ...arrays, services_json: JSON.stringify(list) })).toEqual(list);
  });
});

describe('allApiQueries', () => {
  it('lists every exported *Sql builder of the routes, so the SQL checks see all of them', async () => {
    const { allApiQueries } = await import('../queries/all-queries');
    const modules = [await import('../queries/services.queries'), await import('../queries/incidents.queries'), await import('../queries/trends.queries')];
    const builders = modules.flatMap((m) => Object.entries(m).filter(([k, v]) => typeof v === 'function' && /Sql$/.test(k)).map(([k]) => k));
    expect(builders.length).toBeGreaterThanOrEqual(12);
    const listed = new Set(
      allApiQueries(reader, { range: { from: 0, to: 3_600_000 }, serviceId: 'facebook', serviceIds: ['facebook'], incidentId: 'inc-1', at: 1_800_000, stepMinutes: 15, limit: 5 }).map(
        (q) => q.name.split(' ')[0],
      ),
    );
    expect(builders.filter((b) => !listed.has(b))).toEqual([]);
  });
});
