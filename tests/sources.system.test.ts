/**
 * The live sources switched on, as `npm start` runs them (services/sources as its own process
 * beside the sink), pointed at local servers that speak each protocol: a Jetstream WebSocket, a
 * Mastodon streaming endpoint, an Atlassian Statuspage and a DNS server for the probes. What they
 * read reaches ClickHouse through Kafka and the sink: posts of both networks, the official status,
 * the probe results; the sources' /readyz says which source reaches its server.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesAccountFromEnv } from '@downradar/common';
import { CLICKHOUSE_URL, clickhouseAuthHeaders, eventually } from '@downradar/common/testing';
import { JetstreamTestServer, makeFrames } from '../services/sources/src/testing/jetstream-server';
import { TestMastodonServer, testStatus } from '../services/sources/src/testing/mastodon-server';
import { TestDnsServer } from '../services/sources/src/testing/probe-servers';
import { TestStatusServer } from '../services/sources/src/testing/status-servers';
import { startSystem, type TestSystem } from './harness/system';

const jetstream = new JetstreamTestServer();
const mastodon = new TestMastodonServer();
const status = new TestStatusServer();
const dns = new TestDnsServer();
let sys: TestSystem;
let catalogFile = '';

beforeAll(async () => {
  await jetstream.start();
  await mastodon.start();
  await status.start();
  await dns.start();
  status.components = [{ id: 'c-git', name: 'Git Operations', status: 'operational', updated_at: '2026-01-05T12:00:00Z' }];
  // github.test resolves to a loopback address where nothing listens on the probe port (refused);
  // facebook.test and slack.test do not resolve (NXDOMAIN).
  dns.names.set('github.test', { address: '127.0.0.5' });
  catalogFile = `/tmp/downradar-sources-system-${process.pid}.json`;
  writeFileSync(
    catalogFile,
    JSON.stringify({ version: 1, services: { github: { domains: ['github.test'], status: { kind: 'statuspage', url: status.url } }, facebook: { domains: ['facebook.test'] }, slack: { domains: ['slack.test'] } } }),
  );
  sys = await startSystem('sources', {
    services: ['sink', 'sources'],
    env: {
      DOWNRADAR_SOURCES: 'bluesky,mastodon,statuspage,probes',
      DOWNRADAR_SOURCES_CATALOG_FILE: catalogFile,
      DOWNRADAR_JETSTREAM_ENDPOINTS: jetstream.url,
      DOWNRADAR_JETSTREAM_COMMIT_MS: '200',
      DOWNRADAR_MASTODON_INSTANCES: mastodon.url,
      DOWNRADAR_STATUS_INTERVAL_MS: '1000',
      DOWNRADAR_STATUS_HOST_GAP_MS: '0',
      DOWNRADAR_PROBE_INTERVAL_MS: '2000',
      DOWNRADAR_PROBE_TIMEOUT_MS: '1000',
      DOWNRADAR_PROBE_RESOLVERS: dns.address,
      DOWNRADAR_PROBE_HTTPS_PORT: '9',
    },
  });
});

afterAll(async () => {
  await sys?.stop();
  await jetstream.stop();
  await mastodon.stop();
  await status.stop();
  await dns.stop();
  if (catalogFile) rmSync(catalogFile, { force: true });
});

async function query(sql: string): Promise<string[][]> {
  const auth = { headers: clickhouseAuthHeaders(servicesAccountFromEnv()) };
  const text = await (await fetch(`${CLICKHOUSE_URL}/?database=${sys.database}&query=${encodeURIComponent(`${sql} FORMAT TabSeparated`)}`, auth)).text();
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

describe('sources switched on, pointed at local protocol servers', () => {
  it('brings Bluesky and Mastodon posts, official status and probe results into ClickHouse, and says in /readyz which sources reach their servers', async () => {
    const sources = `http://127.0.0.1:${sys.env.DOWNRADAR_SOURCES_PORT}`;
    await eventually(async () => (jetstream.connections > 0 && mastodon.subscribed('public') ? true : undefined), 60_000, 'the streams connected');
    const frames = makeFrames(400, Date.now() * 1000, { stepUs: 1000, seed: 3, relevantShare: 0.3 });
    for (const f of frames) jetstream.emit(f);
    mastodon.post(testStatus(1, 'facebook is down for me too #facebookdown', ['facebookdown']));
    mastodon.post(testStatus(2, 'a quiet sunday with tea', []));
    // The page goes down: a component in major outage, an incident opened.
    status.indicator = 'critical';
    status.components = [{ id: 'c-git', name: 'Git Operations', status: 'major_outage', updated_at: new Date().toISOString() }];
    status.incidents = [
      {
        id: 'inc-1', name: 'Git operations unavailable', status: 'investigating', impact: 'critical', shortlink: 'https://stspg.io/x',
        created_at: new Date().toISOString(), updated_at: new Date().toISOString(), resolved_at: null,
        incident_updates: [{ id: 'u1', status: 'investigating', body: 'We are investigating.', created_at: new Date().toISOString() }],
      },
    ];
    const bySource = await eventually(
      async () => {
        const rows = new Map((await query('SELECT source, count() FROM posts FINAL GROUP BY source')).map(([s, n]) => [s!, Number(n)]));
        return (rows.get('bluesky') ?? 0) > 0 && rows.get('mastodon') === 1 ? rows : undefined;
      },
      120_000,
      'posts of both networks in ClickHouse',
    );
    expect(bySource.get('mastodon')).toBe(1); // the irrelevant status is not a post
    const official = await eventually(
      async () => {
        const rows = await query("SELECT kind, status FROM official_status WHERE service_id = 'github'");
        return rows.some(([, s]) => s === 'major_outage') && rows.some(([k]) => k === 'incident') ? rows : undefined;
      },
      120_000,
      "github's major outage and incident in official_status",
    );
    expect(official.length).toBeGreaterThanOrEqual(2);
    const probes = await eventually(
      async () => {
        const rows = await query('SELECT service_id, kind, outcome FROM probe_results');
        return rows.some(([s, k]) => s === 'facebook' && k === 'dns') && rows.some(([s, k]) => s === 'github' && k === 'https') ? rows : undefined;
      },
      120_000,
      'probe results in ClickHouse',
    );
    expect(probes.find(([s, k]) => s === 'facebook' && k === 'dns')![2]).toBe('nxdomain');
    expect(probes.find(([s, k]) => s === 'github' && k === 'https')![2]).not.toBe('ok');
    // Every probe failed: this host is blamed (no evidence sent), and /readyz says so; the
    // streams and the status page reach their servers.
    const readyz = await eventually(
      async () => {
        const body = (await (await fetch(`${sources}/readyz`)).json()) as { ok: boolean; failing: { source: string; lastError: string | null }[] };
        return body.failing.some((f) => f.source === 'probes') ? body : undefined;
      },
      60_000,
      'probes listed as failing in /readyz',
    );
    expect(readyz.ok).toBe(true);
    expect(readyz.failing.map((f) => f.source)).toEqual(['probes']);
  });
});
