/**
 * The system the browser tests run against when no other is given (see harness.ts): a whole
 * throwaway downradar (every service, own topics, database and ports) with the 4 October 2021
 * outage replayed into it through the ingest API, ready once the detector and the sink have
 * caught up. The browser test file starts it in its beforeAll and stops it in its afterAll, so
 * it lives only while the browser tests run: not during the unit, integration and system tests
 * before them (a vitest globalSetup would start it before every project and keep it running
 * through all of them, under their load and through the integration tests' ClickHouse outage).
 */
import { createKafka, topicNames } from '@downradar/common';
import { eventually, groupLag } from '@downradar/common/testing';
import { replayInto, startSystem, type TestSystem } from '../harness/system';

const SCALE = '0.003';
const FROM = '2021-10-04T09:00:00Z';
const TO = '2021-10-05T01:00:00Z';

export interface ReplayedSystem {
  apiUrl: string;
  ingestUrl: string;
  stop(): Promise<void>;
}

export async function startReplayedSystem(log: (line: string) => void = () => undefined): Promise<ReplayedSystem> {
  const started = Date.now();
  const system: TestSystem = await startSystem('browser', { env: { DOWNRADAR_DETECTOR_PRIOR_SCALE: SCALE } });
  try {
    const r = await replayInto(system, ['--scenario', 'fb-2021-10-04', '--speed', 'max', '--scale', SCALE, '--from', FROM, '--to', TO, '--quiet', '--json']);
    if (r.code !== 0) throw new Error(`replay failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { reports: number; posts: number; targetStats: { rejected: number } };
    if (summary.targetStats.rejected !== 0) throw new Error(`the replay had rejected events: ${JSON.stringify(summary)}`);
    const api = system.url('api');
    const from = Date.parse('2021-10-04T15:00:00Z');
    const to = Date.parse('2021-10-04T23:59:00Z');
    const kafka = createKafka({ brokers: system.kafkaBrokers, clientId: 'browser-setup' });
    const count = async (table: string) => {
      const q = encodeURIComponent(`SELECT count() FROM ${system.database}.${table} FINAL FORMAT TabSeparated`);
      return Number((await (await fetch(`${system.clickhouseUrl}/?query=${q}`)).text()).trim());
    };
    // Wait for all the data the pages show, not for some of it: the sink has stored every
    // replayed report and post (Kafka's order is not event time, so a curve with its first and
    // last buckets filled may still have holes), the detector has consumed every signal, and the
    // API shows the facebook curve scored to its end and the Meta incident.
    await eventually(
      async () => {
        if ((await count('reports')) !== summary.reports || (await count('posts')) !== summary.posts) return undefined;
        if ((await groupLag(kafka, `${system.prefix}-detector`, topicNames(system.prefix).signals)) !== 0) return undefined;
        const incidents = (await (await fetch(`${api}/v1/incidents?serviceId=facebook&from=${from}&to=${to}`)).json()) as { incidents: unknown[] };
        const curve = (await (await fetch(`${api}/v1/services/facebook/curve?from=${from}&to=${to}&step=15`)).json()) as {
          points: { baseline: number | null }[];
        };
        return incidents.incidents.length > 0 && curve.points.every((p) => p.baseline !== null) ? true : undefined;
      },
      240_000,
      'the replayed outage in ClickHouse, through the detector and in the API (scored curve and the facebook incident)',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n--- last service output ---\n${system.logs.slice(-60).join('\n')}`);
    });
    log(`browser: system ready with the replayed outage in ${((Date.now() - started) / 1000).toFixed(0)} s at ${api}`);
    return { apiUrl: api, ingestUrl: system.url('ingest'), stop: () => system.stop() };
  } catch (err) {
    await system.stop();
    throw err;
  }
}
