/**
 * The browser project's setup: unless DOWNRADAR_BROWSER_BASE_URL points at a system you run
 * yourself (or DOWNRADAR_BROWSER_FIXTURES=1 asks for the fixture API), start a whole throwaway
 * downradar (every service, own topics, database and ports), replay the 4 October 2021 outage
 * into it through the ingest API, wait until the detector and the sink have caught up, and point
 * the browser tests at its API. The suite's browser tests therefore run against the real system.
 */
import { eventually } from '@downradar/common/testing';
import { replayInto, startSystem, type TestSystem } from '../harness/system';
import { ensureDashboardBuilt } from './harness';

const SCALE = '0.003';
const FROM = '2021-10-04T09:00:00Z';
const TO = '2021-10-05T01:00:00Z';

let system: TestSystem | undefined;

export async function setup(): Promise<void> {
  if (process.env.DOWNRADAR_BROWSER_BASE_URL || process.env.DOWNRADAR_BROWSER_FIXTURES === '1') return;
  const started = Date.now();
  // The API serves dashboards/web/dist: build it before the system starts (a fresh clone has none).
  ensureDashboardBuilt();
  system = await startSystem('browser', { env: { DOWNRADAR_DETECTOR_PRIOR_SCALE: SCALE } });
  const r = await replayInto(system, ['--scenario', 'fb-2021-10-04', '--speed', 'max', '--scale', SCALE, '--from', FROM, '--to', TO, '--quiet', '--json']);
  if (r.code !== 0) throw new Error(`replay failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const api = system.url('api');
  const from = Date.parse('2021-10-04T15:00:00Z');
  const to = Date.parse('2021-10-04T23:59:00Z');
  // The sink has stored the outage, the detector has scored it and opened the Meta incident.
  await eventually(
    async () => {
      const incidents = (await (await fetch(`${api}/v1/incidents?serviceId=facebook&from=${from}&to=${to}`)).json()) as { incidents: unknown[] };
      const curve = (await (await fetch(`${api}/v1/services/facebook/curve?from=${from}&to=${to}&step=15`)).json()) as {
        points: { reports: number; baseline: number | null }[];
      };
      const scored = curve.points.filter((p) => p.baseline !== null).length;
      const total = curve.points.reduce((a, p) => a + p.reports, 0);
      // Stored and scored to the end of the range (the last buckets are quiet again: few reports).
      return incidents.incidents.length > 0 && scored === curve.points.length && total > 5000 ? true : undefined;
    },
    240_000,
    'the replayed outage in the API (scored curve and the facebook incident)',
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\n--- last service output ---\n${system!.logs.slice(-60).join('\n')}`);
  });
  process.env.DOWNRADAR_BROWSER_BASE_URL = api;
  process.env.DOWNRADAR_BROWSER_INGEST_URL = system.url('ingest');
  console.log(`browser: system ready with the replayed outage in ${((Date.now() - started) / 1000).toFixed(0)} s at ${api}`);
}

export async function teardown(): Promise<void> {
  await system?.stop();
}
