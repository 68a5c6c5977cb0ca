/**
 * `npm run demo` (after infra/demo.sh brought the stack up): starts every service, replays the
 * 4 October 2021 Facebook / WhatsApp / Instagram outage into the live system through the ingest
 * API, and prints the dashboard URL and the pages worth opening. Ctrl-C stops everything.
 *
 * Options (`npm run demo -- --scale 0.02 --speed 120`, or the environment):
 * DOWNRADAR_DEMO_SCALE (default 0.01 = 1/100 of the real volume), DOWNRADAR_DEMO_SPEED (default 240: four hours of event time per minute),
 * DOWNRADAR_DEMO_FROM / DOWNRADAR_DEMO_TO (event-time span, ISO; default 2021-10-04 12:00 to
 * 10-05 01:00 UTC: the outage begins 3 h 40 min into it, a minute of replay at 240x, after enough
 * quiet hours for a baseline on the board's 24-hour sparklines).
 *
 * `npm run demo -- --live` replays nothing: it also starts services/sources with
 * DOWNRADAR_SOURCES (default all four: bluesky, mastodon, statuspage, probes), which needs internet.
 */
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { apiKeyFileLine, dataDir, newApiKey, repoRoot } from '@downradar/common';
import { clusterEnv, takeClusterFlag } from './cluster-env';
import { describeStopped, serviceUrl, startServices, stopServices, type Running } from './processes';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const say = (line: string) => console.log(`demo [${elapsed()}]: ${line}`);

/** A demo API key for the replay (scope feed) kept under .data (mode 600); only its hash is in the api-keys file. */
function demoApiKey(): string {
  mkdirSync(dataDir, { recursive: true });
  const keyFile = `${dataDir}/demo-api-key`;
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  const key = newApiKey();
  writeFileSync(keyFile, key + '\n', { mode: 0o600 });
  appendFileSync(`${dataDir}/api-keys`, apiKeyFileLine('demo', key, 'feed'), { mode: 0o600 });
  return key;
}

// --cluster (infra/demo.sh started the cluster): services and replay run against it.
const { cluster, rest: argv } = takeClusterFlag(process.argv.slice(2));
let args: { scale?: string; speed?: string; from?: string; to?: string; live?: boolean };
try {
  args = parseArgs({
    args: argv,
    options: { scale: { type: 'string' }, speed: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, live: { type: 'boolean' } },
    strict: true,
  }).values;
} catch (err) {
  console.error(`demo: ${(err as Error).message}\nusage: npm run demo [-- --cluster --fresh --scale 0.01 --speed 240 --from 2021-10-04T12:00:00Z --to 2021-10-05T01:00:00Z] | npm run demo -- [--cluster] --live`);
  process.exit(2);
}
const scale = args.scale ?? process.env.DOWNRADAR_DEMO_SCALE ?? '0.01';
const speed = args.speed ?? process.env.DOWNRADAR_DEMO_SPEED ?? '240';
const from = args.from ?? process.env.DOWNRADAR_DEMO_FROM ?? '2021-10-04T12:00:00Z';
const to = args.to ?? process.env.DOWNRADAR_DEMO_TO ?? '2021-10-05T01:00:00Z';

let stackEnv: Record<string, string> = {};
try {
  stackEnv = cluster ? clusterEnv() : {};
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
}
const apiKey = demoApiKey();
if (!existsSync(`${repoRoot}/dashboards/web/dist/index.html`)) {
  say('building the dashboard (first run only) ...');
  const b = spawnSync('npm', ['run', 'build', '--workspace', 'dashboards/web'], { cwd: repoRoot, stdio: 'inherit' });
  if (b.status !== 0) {
    console.error('demo: the dashboard build failed (see above)');
    process.exit(1);
  }
}

let running: Running[] = [];
let stopping = false;
// One request to stop, however many copies of the signal arrive (a Ctrl-C comes from the terminal
// and, under tsx's CLI, once more relayed): the replay and the services each get one SIGTERM,
// which they take as the same request as the terminal's SIGINT; a second Ctrl-C reaches them
// from the terminal directly and forces them.
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const t = Date.now();
  say('stopping services: they drain first (Ctrl-C again forces) ...');
  if (replay && replay.exitCode === null && replay.signalCode === null) replay.kill('SIGTERM');
  const stopped = await stopServices(running);
  say(`stopped: ${describeStopped(stopped, Date.now() - t)}`);
  say('The stack keeps running: npm run stack:down stops Kafka and ClickHouse.');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// --live: no replay; the live sources watch the internet instead (services/sources). Which ones:
// DOWNRADAR_SOURCES when set, else all four.
const live = args.live === true;
const liveSources = (process.env.DOWNRADAR_SOURCES ?? '').trim() || 'bluesky,mastodon,statuspage,probes';
say(`starting ingest, detector, sink, api, notifier${live ? `, sources (${liveSources})` : ''}${cluster ? ` against the cluster (Kafka ${stackEnv.DOWNRADAR_KAFKA_BROKERS})` : ''} ...`);
let replay: ReturnType<typeof spawn> | undefined = undefined; // set once the services are up; stop() reads it before
try {
  running = await startServices({
    // The detector's priors (typical reports per minute) follow the replay's scale.
    env: { ...stackEnv, ...(live ? { DOWNRADAR_SOURCES: liveSources } : { DOWNRADAR_DETECTOR_PRIOR_SCALE: scale }) },
    onLine: (s, l) => {
      if (/^(warn|error|fatal)/.test(l)) console.log(`  [${s}] ${l}`);
    },
    onWaiting: (names, ms) => say(`still starting after ${Math.round(ms / 1000)} s: ${names.join(', ')} (a loaded machine is slow; DOWNRADAR_START_TIMEOUT_MS bounds the wait)`),
  });
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  await stop(1);
}
say('all services ready.');
const web = serviceUrl('api');
if (live) {
  console.log(`
  Live mode: no replay. services/sources streams Bluesky and Mastodon posts about catalog services,
  polls the official status pages and probes every service's domains from this host.
  Board:          ${web}/
  A service:      ${web}/service/github   (status strip and probes under the curve)
  Sources status: ${serviceUrl('sources', { ...process.env, DOWNRADAR_SOURCES: liveSources })}/readyz
  Read API:       ${web}/docs
  Ctrl-C stops the services; the stack keeps running.
`);
  void reportSources(`${serviceUrl('sources', { ...process.env, DOWNRADAR_SOURCES: liveSources })}/readyz`);
  await new Promise<never>(() => undefined);
}

/**
 * In live mode, once the sources have tried to reach the internet: which of them can (without
 * internet none can; the rest of downradar runs all the same, the warnings repeat at most every
 * 5 minutes, and /readyz keeps saying it).
 */
async function reportSources(readyz: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 20_000));
  if (stopping) return;
  try {
    const body = (await (await fetch(readyz, { signal: AbortSignal.timeout(5000) })).json()) as { failing?: { source: string; lastError: string | null; hint?: string }[]; sources?: Record<string, unknown> };
    const failing = body.failing ?? [];
    const names = Object.keys(body.sources ?? {});
    const ok = names.filter((n) => !failing.some((f) => f.source === n));
    if (ok.length > 0) say(`sources reaching their servers: ${ok.join(', ')}`);
    for (const f of failing) say(`source ${f.source} cannot reach its servers: ${f.lastError ?? 'failing'}${f.hint ? ` (${f.hint})` : ''}`);
    if (failing.length > 0) say(`the dashboard works without them; ${readyz} says when they recover`);
  } catch (err) {
    say(`could not read the sources' status at ${readyz}: ${(err as Error).message}`);
  }
}
// The replayed data are of 2021: the board follows today's clock, so it is opened at a moment of
// the replay (?at=), when the outage is under way, and at the replay's end with its incidents.
const boardAt = boardMoment(from, to);
console.log(`
  Board, during the outage:  ${web}/?at=${boardAt}
  Board, end of the replay:  ${web}/?at=${iso(to)}   (its recent incidents, with links)
  Board, live:               ${web}/
  Facebook page:             ${web}/service/facebook?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z
  WhatsApp page:             ${web}/service/whatsapp?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z
  Trends:                    ${web}/trends?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z
  Read API:                  ${web}/docs
`);
// A second demo on the same stores: the detector's event time already stands where the first
// replay ended, so everything replayed again before that is late for it (DLQ), and the board shows
// the first run's incidents. Ingest and ClickHouse dedupe the repeated reports, so the curves stay
// right. Say so, and how to start from empty stores.
const marker = `${dataDir}/demo-replayed`;
if (existsSync(marker)) {
  say(`this stack already holds an earlier demo replay (${readFileSync(marker, 'utf8').trim()}).`);
  say('  Its curves and incidents stay on the dashboard; the detector counts a replay of the same hours');
  say('  as late. For a replay into empty stores: Ctrl-C, then npm run demo -- --fresh');
}
writeFileSync(marker, `fb-2021-10-04 ${from} .. ${to}, scale ${scale}, started ${new Date().toISOString()}\n`);
say(`replaying fb-2021-10-04 from ${from} to ${to} at scale ${scale}, ${speed}x speed, through the ingest API ...`);
replay = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    `${repoRoot}/services/replay/src/cli.ts`,
    '--scenario',
    'fb-2021-10-04',
    '--target',
    'http',
    '--ingest-url',
    serviceUrl('ingest'),
    '--speed',
    speed,
    '--scale',
    scale,
    '--from',
    from,
    '--to',
    to,
  ],
  { cwd: repoRoot, env: { ...process.env, ...stackEnv, DOWNRADAR_API_KEY: apiKey }, stdio: 'inherit' },
);
replay.on('exit', (code) => {
  if (stopping) return;
  if (code === 0) {
    say('replay finished. The dashboard keeps serving; Ctrl-C stops the services.');
    void printIncidents();
  } else say(`replay exited with code ${code}; the services keep running. Ctrl-C stops them.`);
});

/** "2021-10-04T17:00:00Z" */
function iso(text: string): string {
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t).toISOString().replace('.000Z', 'Z') : text;
}

/** A moment when the 2021 outage is under way (17:00 UTC), or the middle of a replay that misses it. */
function boardMoment(fromText: string, toText: string): string {
  const f = Date.parse(fromText);
  const t = Date.parse(toText);
  const outage = Date.UTC(2021, 9, 4, 17, 0);
  if (!Number.isFinite(f) || !Number.isFinite(t)) return iso(toText);
  return new Date(outage >= f && outage <= t ? outage : f + (t - f) / 2).toISOString().replace('.000Z', 'Z');
}

/** Once the replay is in, the incidents it caused, with their pages (the sink may need a moment). */
async function printIncidents(): Promise<void> {
  const url = `${web}/v1/incidents?from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}&limit=10`;
  for (let attempt = 0; attempt < 30 && !stopping; attempt++) {
    try {
      const body = (await (await fetch(url)).json()) as { incidents?: { incidentId: string; startedAt: number; services: { serviceId: string; role: string }[] }[] };
      const incidents = body.incidents ?? [];
      if (incidents.length > 0) {
        for (const i of incidents) {
          const primaries = i.services.filter((s) => s.role === 'primary').map((s) => s.serviceId);
          say(`incident ${web}/incident/${encodeURIComponent(i.incidentId)}  (${primaries.join(', ')}; started ${new Date(i.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC)`);
        }
        return;
      }
    } catch {
      // the API is restarting or busy: try again
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  say(`no incident in the replayed range yet: the board at ${web}/?at=${iso(to)} lists them once they are stored`);
}
