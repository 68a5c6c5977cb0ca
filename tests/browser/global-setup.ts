/**
 * The browser project's setup: unless DOWNRADAR_BROWSER_BASE_URL points at a system you run
 * yourself (or DOWNRADAR_BROWSER_FIXTURES=1 asks for the fixture API), start a whole throwaway
 * downradar (every service, own topics, database and ports), replay the 4 October 2021 outage
 * into it through the ingest API, wait until all of it is stored and scored, and point the
 * browser tests (every browser test file: one system for all of them) at its API.
 *
 * vitest runs the global setups of every project before the first test of any project, so in a
 * plain `vitest run` this system would run through the unit, integration and system tests too,
 * under their load and through the ClickHouse outage of the sink test. `npm test` (infra/test.sh)
 * therefore runs the browser project in a vitest run of its own, after the others.
 */
import { createKafka, servicesAccountFromEnv, topicNames } from '@downradar/common';
import { clickhouseAuthHeaders, eventually, groupLag } from '@downradar/common/testing';
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
  const sys = system;
  const r = await replayInto(sys, ['--scenario', 'fb-2021-10-04', '--speed', 'max', '--scale', SCALE, '--from', FROM, '--to', TO, '--quiet', '--json']);
  if (r.code !== 0) throw new Error(`replay failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { reports: number; posts: number; targetStats: { rejected: number } };
  if (summary.targetStats.rejected !== 0) throw new Error(`the replay had rejected events: ${JSON.stringify(summary)}`);
  const api = sys.url('api');
  const from = Date.parse('2021-10-04T15:00:00Z');
  const to = Date.parse('2021-10-04T23:59:00Z');
  const kafka = createKafka({ brokers: sys.kafkaBrokers, clientId: 'browser-setup' });
  const count = async (table: string) => {
    const q = encodeURIComponent(`SELECT count() FROM ${sys.database}.${table} FINAL FORMAT TabSeparated`);
    // As the services' account: there is no password-less default account (issue 19), and an
    // answer that is not a count must not read as one.
    const res = await fetch(`${sys.clickhouseUrl}/?query=${q}`, { headers: clickhouseAuthHeaders(servicesAccountFromEnv()) });
    if (!res.ok) throw new Error(`ClickHouse answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return Number((await res.text()).trim());
  };
  // Wait for all the data the pages show, not for some of it: the sink has stored every replayed
  // report and post (Kafka's order is not event time, so a curve with its first and last buckets
  // filled may still have holes), the detector has consumed every signal, and the API shows the
  // facebook curve scored to its end and the Meta incident.
  await eventually(
    async () => {
      if ((await count('reports')) !== summary.reports || (await count('posts')) !== summary.posts) return undefined;
      if ((await groupLag(kafka, `${sys.prefix}-detector`, topicNames(sys.prefix).signals)) !== 0) return undefined;
      const incidents = (await (await fetch(`${api}/v1/incidents?serviceId=facebook&from=${from}&to=${to}`)).json()) as { incidents: unknown[] };
      const curve = (await (await fetch(`${api}/v1/services/facebook/curve?from=${from}&to=${to}&step=15`)).json()) as {
        points: { baseline: number | null }[];
      };
      return incidents.incidents.length > 0 && curve.points.every((p) => p.baseline !== null) ? true : undefined;
    },
    240_000,
    'the replayed outage in ClickHouse, through the detector and in the API (scored curve and the facebook incident)',
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\n--- last service output ---\n${sys.logs.slice(-60).join('\n')}`);
  });
  process.env.DOWNRADAR_BROWSER_BASE_URL = api;
  process.env.DOWNRADAR_BROWSER_INGEST_URL = sys.url('ingest');
  console.log(`browser: system ready with the replayed outage in ${((Date.now() - started) / 1000).toFixed(0)} s at ${api}`);
}

export async function teardown(): Promise<void> {
  await system?.stop();
}
