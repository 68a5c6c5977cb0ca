/**
 * The fault drills of issue 8: five faults against a whole running system, each measured by
 * what was lost, what was duplicated and how long the system took to recover.
 *
 *   1. broker-kill      kill -9 the Kafka broker under a steady report load, restart it
 *   2. clickhouse-stop  stop ClickHouse under load for a while, start it again
 *   3. detector-kill    kill -9 the detector in the middle of an incident (twice: at rest and
 *                       while it works through a backlog), restart it each time
 *   4. receiver-down    a webhook receiver refuses connections, then answers 503, then recovers
 *   5. burst            10x the normal report rate
 *
 * Everything runs on a private stack (private-stack.ts) so that killing the broker or stopping
 * ClickHouse never touches the shared one. Two throwaway systems (tests/harness/system.ts) run
 * on it: one with ingest and sink (drills 1, 2, 5) and one with detector and notifier (3, 4);
 * the detector replays event-time signals of an outage, which must not mix with the live
 * reports of the other system. The drills leave the systems running, so a later drill also
 * shows that the services survived the earlier faults.
 *
 * `npm run drills` runs them at full scale; tests/reliability/drills.system.test.ts runs the
 * short form (shorter outages, same checks).
 */
import { createClickHouse, createKafka, createProducer, servicesAccountFromEnv, topicNames, type ClickHouseClient, type Kafka } from '@downradar/common';
import { loadCatalog } from '../../schemas/catalog/index';
import { randomSuffix } from '@downradar/common/testing';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IncidentEvent } from '../../schemas/events/index';
import { createDetector } from '../../services/detector/src/core/detector';
import { hashtagLookup, serviceInfoLookup } from '../../services/detector/src/service-facts';
import { catalogTraffic, groupLag, produceSignals, readJson } from '../../services/detector/src/testing/testkit';
import { verifySignature } from '../../services/notifier/src/signature';
import { TestReceiver } from '../../services/notifier/src/test-receiver';
import { startSystem, type TestSystem } from '../harness/system';
import { killBroker, privateStackDown, privateStackUp, startBroker, startClickHouse, stopClickHouse, type PrivateStack } from './private-stack';
import { startReportLoad, type LoadResult, type RunningLoad } from './report-load';
import { checkReports, waitStored, type ReportCheck } from './verify';

export interface DrillScale {
  name: string;
  /** Reports per second of the steady load (the "normal rate"). */
  normalRatePerS: number;
  /** Steady load before a fault, and after it was removed. */
  leadMs: number;
  tailMs: number;
  /** How long the broker stays dead before it is started again (its start time comes on top). */
  brokerDownMs: number;
  clickhouseDownMs: number;
  receiverDownMs: number;
  burstMs: number;
  /** Longest wait for the system to catch up after a fault before counting what is missing. */
  settleMs: number;
  /** The burst drill fails when the ingest process's RSS goes above this. */
  rssLimitMb: number;
}

const seconds = (name: string, fallbackMs: number) => {
  const raw = process.env[`DOWNRADAR_DRILLS_${name}_S`];
  return raw === undefined ? fallbackMs : Number(raw) * 1000;
};

/** Full scale (npm run drills) and the short form of the test suite; each figure can be overridden. */
export function drillScale(kind: 'full' | 'short'): DrillScale {
  const full = kind === 'full';
  return {
    name: kind,
    normalRatePerS: Number(process.env.DOWNRADAR_DRILLS_RATE ?? 50),
    leadMs: seconds('LEAD', full ? 15_000 : 5_000),
    tailMs: seconds('TAIL', full ? 20_000 : 8_000),
    brokerDownMs: seconds('BROKER_DOWN', full ? 30_000 : 5_000),
    clickhouseDownMs: seconds('CLICKHOUSE_DOWN', full ? 60_000 : 15_000),
    receiverDownMs: seconds('RECEIVER_DOWN', full ? 120_000 : 20_000),
    burstMs: seconds('BURST', full ? 60_000 : 15_000),
    settleMs: seconds('SETTLE', 180_000),
    rssLimitMb: Number(process.env.DOWNRADAR_DRILLS_RSS_LIMIT_MB ?? 768),
  };
}

export interface DrillRow {
  drill: string;
  fault: string;
  load: string;
  lost: number;
  duplicated: number;
  recoveryS: number;
  /** Figures for drills.json (snake_case with unit). */
  metrics: Record<string, number>;
  notes: string[];
}

export interface DrillEnv {
  stack: PrivateStack;
  reports: TestSystem;
  alerts: TestSystem;
  kafka: Kafka;
  ch: ClickHouseClient;
  scale: DrillScale;
  log(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;
/** Client addresses of the burst drill: a pool, so that the per-address rate limit can bite. */
const BURST_CLIENT_POOL = 10;

/** Brings the private stack up and starts the two systems on it. */
export async function startDrills(wanted: PrivateStack, scale: DrillScale, log: (line: string) => void): Promise<DrillEnv> {
  const stack = await privateStackUp(wanted, (l) => log(`  ${l}`));
  log(`private stack: Kafka ${stack.brokers}, ClickHouse ${stack.clickhouseUrl}, data ${stack.dataDir}`);
  // The private stack's ClickHouse has its own services' password, in its own data dir.
  const common = {
    DOWNRADAR_KAFKA_BROKERS: stack.brokers,
    DOWNRADAR_CLICKHOUSE_URL: stack.clickhouseUrl,
    DOWNRADAR_CLICKHOUSE_PASSWORD_FILE: `${stack.dataDir}/clickhouse-password`,
  };
  // Per-address limit of the burst drill's client pool: 1.2x an address's share of the normal
  // rate (which the load generator keeps exactly), so the normal rate is never limited and a 10x
  // burst is within seconds, whatever the fixed one-minute windows of the limiter.
  const perAddressPerMinute = Math.ceil(((scale.normalRatePerS * 60) / BURST_CLIENT_POOL) * 1.2);
  const started = await Promise.allSettled([
    startSystem('drill-reports', {
      services: ['ingest', 'sink'],
      env: { ...common, DOWNRADAR_TRUST_PROXY: 'true', DOWNRADAR_REPORTS_PER_IP_PER_MINUTE: String(perAddressPerMinute) },
    }),
    startSystem('drill-alerts', {
      services: ['detector', 'notifier'],
      env: {
        ...common,
        // Event time only: the replayed outage of 2021 must not be advanced by the wall clock.
        DOWNRADAR_DETECTOR_IDLE_TIMEOUT_MS: '0',
        DOWNRADAR_DETECTOR_EMPTY_PARTITION_IDLE_MS: '1000',
        // A killed instance's partitions come back after this (the restarted one rejoins sooner).
        DOWNRADAR_DETECTOR_SESSION_TIMEOUT_MS: '6000',
        // Small fetches: the backlog takes many transactions, so a kill lands in the middle of it.
        DOWNRADAR_DETECTOR_MAX_BATCH_BYTES: '65536',
        DOWNRADAR_NOTIFIER_FROM_BEGINNING: 'true',
        // The drill's receivers listen on loopback, which the notifier refuses unless allowed.
        DOWNRADAR_WEBHOOK_ALLOW: '127.0.0.1',
      },
    }),
  ]);
  if (started[0].status === 'rejected' || started[1].status === 'rejected') {
    // Nothing of a failed start stays behind: the system that did start, and the stack.
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    await privateStackDown(stack);
    throw (started[0].status === 'rejected' ? started[0].reason : (started[1] as PromiseRejectedResult).reason) as Error;
  }
  const [reports, alerts] = [started[0].value, started[1].value];
  const kafka = createKafka({ brokers: [stack.brokers], clientId: 'downradar-drills' });
  const ch = createClickHouse({ url: stack.clickhouseUrl, ...servicesAccountFromEnv({ ...process.env, ...common }) });
  return { stack, reports, alerts, kafka, ch, scale, log };
}

/** Stops the two systems, then the private stack's servers that startDrills started (unless `keepStack`). */
export async function stopDrills(env: DrillEnv | undefined, opts: { keepStack?: boolean } = {}): Promise<void> {
  if (!env) return;
  await env.ch.close().catch(() => undefined);
  await Promise.all([env.reports.stop(), env.alerts.stop()]);
  if (!opts.keepStack) await privateStackDown(env.stack, { onLine: (l) => env.log(`  ${l}`) });
}

// ------------------------------------------------------------------------------------------
// Report drills (1, 2, 5)

/**
 * Resolves at the moment the system has recovered from a fault that ended when client number
 * `seqAtEnd` was about to start: every client started before then has its 202, and ClickHouse
 * holds all of those reports.
 */
export async function recovered(env: Pick<DrillEnv, 'ch' | 'reports' | 'scale'>, load: RunningLoad, prefix: string, seqAtEnd: number): Promise<{ acceptedAt: number; storedAt: number }> {
  for (;;) {
    const before = load.records.slice(0, seqAtEnd);
    if (before.every((r) => r.endedAt !== undefined)) {
      const acceptedAt = Math.max(...before.map((r) => r.acceptedAt ?? 0));
      const target = before.filter((r) => r.acceptedAt !== undefined).length;
      const storedAt = await waitStored(env.ch, env.reports.database, prefix, target, env.scale.settleMs, seqAtEnd);
      return { acceptedAt, storedAt };
    }
    await sleep(100);
  }
}

export const NO_RECOVERY = { acceptedAt: Number.NaN, storedAt: Number.NaN };

export function reportRow(drill: string, fault: string, result: LoadResult, check: ReportCheck, recoveryS: number, extra: { metrics?: Record<string, number>; notes?: string[]; load?: string } = {}): DrillRow {
  const s = result.statuses;
  const answers = Object.entries(s)
    .sort()
    .map(([k, v]) => `${k === '0' ? 'no answer' : k}: ${v}`)
    .join(', ');
  const errors = Object.entries(result.errors)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const notes = [
    `answers ${answers}${errors ? ` (no answer: ${errors})` : ''}`,
    `Kafka: ${check.missingInKafka} missing, ${check.duplicatesInKafka} extra copies; ClickHouse FINAL: ${check.missingInClickHouse} missing, ${check.duplicatesInClickHouse} extra; rollup ${check.rollupCount} of ${check.storedDistinct}; ${check.unmergedRows} unmerged raw rows`,
    ...(check.storedWithout202 ? [`${check.storedWithout202} stored without the client seeing a 202 (a timed-out or shed request that did land: not lost, not duplicated)`] : []),
    ...(check.sampleMissing.length ? [`missing: ${check.sampleMissing.join('; ')}`] : []),
    ...(extra.notes ?? []),
  ];
  return {
    drill,
    fault,
    load: extra.load ?? `${result.records.length} reports, ${check.accepted} accepted`,
    lost: check.lost,
    duplicated: check.duplicated,
    recoveryS,
    metrics: {
      lost_reports: check.lost,
      duplicated_reports: check.duplicated,
      accepted_reports: check.accepted,
      kafka_duplicate_reports: check.duplicatesInKafka,
      ...extra.metrics,
    },
    notes,
  };
}

/** The report drills' load: the normal rate until stopped, each client retrying as a real one would. */
export function steadyReportLoad(env: Pick<DrillEnv, 'reports' | 'scale'>, idPrefix: string, services: string[]) {
  return startReportLoad({
    ingestUrl: env.reports.url('ingest'),
    idPrefix,
    services,
    phases: [{ ratePerS: env.scale.normalRatePerS, durationMs: 86_400_000 }],
    retryOn: { 503: true, 429: true, network: true },
    giveUpAfterMs: 10 * 60_000,
    maxRetryWaitMs: 5000,
    clientAddresses: 'unique',
  });
}

export async function brokerKillDrill(env: DrillEnv): Promise<DrillRow> {
  const { scale } = env;
  const prefix = `d1${randomSuffix(6)}`;
  const services = ['facebook', 'whatsapp'];
  const load = steadyReportLoad(env, prefix, services);
  await sleep(scale.leadMs);
  env.log(`broker-kill: kill -9 the broker (${load.acceptedCount} accepted so far)`);
  const faultAt = Date.now();
  await killBroker(env.stack);
  await sleep(scale.brokerDownMs);
  const restartAt = Date.now();
  await startBroker(env.stack);
  const faultEnd = Date.now();
  const seqAtEnd = load.started;
  env.log(`broker-kill: broker back after ${round1((faultEnd - faultAt) / 1000)} s (its start took ${round1((faultEnd - restartAt) / 1000)} s)`);
  const recovery = recovered(env, load, prefix, seqAtEnd);
  await sleep(scale.tailMs);
  load.stop();
  const result = await load.done;
  env.log(`broker-kill: every client has ended (${result.records.length} sent, ${result.accepted.size} accepted, ${result.notAccepted.length} not)`);
  const { acceptedAt: backlogAcceptedAt, storedAt: recoveredAt } = await recovery.catch(() => NO_RECOVERY);
  env.log(`broker-kill: ClickHouse holds every report accepted before the broker was back, ${round1((recoveredAt - faultEnd) / 1000)} s after`);
  const firstAccepted = Math.min(...result.records.filter((r) => (r.acceptedAt ?? 0) > faultEnd).map((r) => r.acceptedAt!));
  const check = await checkReports({ kafka: env.kafka, reportsTopic: topicNames(env.reports.prefix).reports, ch: env.ch, database: env.reports.database, prefix, services, accepted: result.accepted, settleMs: scale.settleMs });
  const recoveryS = round1((recoveredAt - faultEnd) / 1000);
  return reportRow('broker-kill', `kill -9 Kafka broker, down ${round1((faultEnd - faultAt) / 1000)} s`, result, check, recoveryS, {
    load: `${scale.normalRatePerS}/s single reports for ${round1((result.endedAt - result.startedAt) / 1000)} s, 503s retried: ${result.records.length} sent, ${check.accepted} accepted`,
    metrics: { broker_down_s: round1((faultEnd - faultAt) / 1000), broker_recovery_s: recoveryS, broker_first_202_after_restart_s: round1((firstAccepted - faultEnd) / 1000) },
    notes: [
      `after the broker was back: first 202 in ${round1((firstAccepted - faultEnd) / 1000)} s, every client waiting then had its 202 in ${round1((backlogAcceptedAt - faultEnd) / 1000)} s, and ClickHouse had all of them in ${recoveryS} s`,
    ],
  });
}

export async function clickhouseStopDrill(env: DrillEnv): Promise<DrillRow> {
  const { scale } = env;
  const prefix = `d2${randomSuffix(6)}`;
  const services = ['netflix', 'spotify'];
  const load = steadyReportLoad(env, prefix, services);
  await sleep(scale.leadMs);
  env.log(`clickhouse-stop: stopping ClickHouse for ${scale.clickhouseDownMs / 1000} s`);
  const faultAt = Date.now();
  await stopClickHouse(env.stack);
  const stoppedAt = Date.now();
  await sleep(scale.clickhouseDownMs);
  await startClickHouse(env.stack);
  const faultEnd = Date.now();
  env.log(`clickhouse-stop: stopping took ${round1((stoppedAt - faultAt) / 1000)} s, down ${round1((faultEnd - stoppedAt) / 1000)} s`);
  const seqAtEnd = load.started;
  const recovery = recovered(env, load, prefix, seqAtEnd);
  await sleep(scale.tailMs);
  load.stop();
  const result = await load.done;
  const { storedAt: recoveredAt } = await recovery.catch(() => NO_RECOVERY);
  const check = await checkReports({ kafka: env.kafka, reportsTopic: topicNames(env.reports.prefix).reports, ch: env.ch, database: env.reports.database, prefix, services, accepted: result.accepted, settleMs: scale.settleMs });
  const recoveryS = round1((recoveredAt - faultEnd) / 1000);
  const downS = round1((faultEnd - stoppedAt) / 1000);
  return reportRow('clickhouse-stop', `ClickHouse down ${downS} s (stop: SIGTERM, ${round1((stoppedAt - faultAt) / 1000)} s, SIGKILL)`, result, check, recoveryS, {
    load: `${scale.normalRatePerS}/s single reports for ${round1((result.endedAt - result.startedAt) / 1000)} s: ${result.records.length} sent, ${check.accepted} accepted`,
    metrics: { clickhouse_down_s: downS, clickhouse_recovery_s: recoveryS },
    notes: [`the sink had written every report accepted during the outage ${recoveryS} s after ClickHouse answered again`],
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function burstDrill(env: DrillEnv): Promise<DrillRow> {
  const { scale } = env;
  const prefix = `d5${randomSuffix(6)}`;
  const services = ['reddit', 'twitter'];
  const pid = env.reports.pid('ingest');
  const idleRss = rssMb(pid);
  let maxRss = idleRss;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(pid))), 200);
  const burstRate = scale.normalRatePerS * 10;
  const load = startReportLoad({
    ingestUrl: env.reports.url('ingest'),
    idPrefix: prefix,
    services,
    phases: [
      { ratePerS: scale.normalRatePerS, durationMs: scale.leadMs },
      { ratePerS: burstRate, durationMs: scale.burstMs },
      { ratePerS: scale.normalRatePerS, durationMs: scale.tailMs },
    ],
    // Shed requests are not retried: a burst is people pressing the button, and most of them
    // leave when they are told "later". What was accepted must still all be stored.
    retryOn: { 503: false, 429: false, network: false },
    giveUpAfterMs: 0,
    maxRetryWaitMs: 0,
    clientAddresses: BURST_CLIENT_POOL,
  });
  await sleep(scale.leadMs + scale.burstMs);
  const burstEnd = Date.now();
  const seqAtEnd = load.started;
  const recovery = recovered(env, load, prefix, seqAtEnd);
  const result = await load.done;
  const { storedAt: recoveredAt } = await recovery.catch(() => NO_RECOVERY);
  clearInterval(sampler);
  const check = await checkReports({ kafka: env.kafka, reportsTopic: topicNames(env.reports.prefix).reports, ch: env.ch, database: env.reports.database, prefix, services, accepted: result.accepted, settleMs: scale.settleMs });
  const shed429 = result.statuses['429'] ?? 0;
  const shed503 = result.statuses['503'] ?? 0;
  const recoveryS = round1((recoveredAt - burstEnd) / 1000);
  const row = reportRow('burst', `10x rate (${burstRate}/s) for ${scale.burstMs / 1000} s`, result, check, recoveryS, {
    load: `${scale.normalRatePerS}/s, ${burstRate}/s, ${scale.normalRatePerS}/s from ${BURST_CLIENT_POOL} client addresses: ${result.records.length} sent, ${check.accepted} accepted, ${shed429} shed with 429, ${shed503} with 503`,
    metrics: {
      burst_shed_429: shed429,
      burst_shed_503: shed503,
      burst_no_answer: result.statuses['0'] ?? 0,
      ingest_idle_rss_mb: Math.round(idleRss),
      ingest_max_rss_mb: Math.round(maxRss),
      burst_recovery_s: recoveryS,
    },
    notes: [`ingest RSS ${Math.round(idleRss)} MB before, at most ${Math.round(maxRss)} MB during the burst (limit ${scale.rssLimitMb} MB)`],
  });
  if (maxRss > scale.rssLimitMb) row.notes.push(`RSS above the limit`);
  return row;
}

// ------------------------------------------------------------------------------------------
// Drill 3: the detector

const MIN = 60_000;
const DRILL_INCIDENT_PREFIX = 'inc-drill-';

export async function detectorKillDrill(env: DrillEnv): Promise<DrillRow> {
  const sys = env.alerts;
  const topics = topicNames(sys.prefix);
  const group = `${sys.prefix}-detector`;
  const onset = Date.UTC(2021, 9, 4, 15, 40);
  const end = Date.UTC(2021, 9, 4, 16, 20);
  const services = ['facebook', 'instagram', 'netflix', 'spotify'];
  const signals = catalogTraffic({
    seed: 31,
    from: Date.UTC(2021, 9, 4, 13, 0),
    to: Date.UTC(2021, 9, 4, 17, 5),
    services,
    outages: { facebook: [onset, end, 30], instagram: [onset + 2 * MIN, end, 30] },
  });
  const part1 = signals.filter((s) => s.at < onset + 10 * MIN);
  const part2 = signals.filter((s) => s.at >= onset + 10 * MIN && s.at < onset + 30 * MIN);
  const part3 = signals.filter((s) => s.at >= onset + 30 * MIN);
  const ours = async () => (await readJson<IncidentEvent>(env.kafka, topics.alerts)).filter((e) => !e.incidentId.startsWith(DRILL_INCIDENT_PREFIX));
  const lag = () => groupLag(env.kafka, group, topics.signals);
  // What the last check saw, for the message of a wait that times out.
  let lastSeen = '';
  const state = async () => {
    const l = await lag().catch((e: Error) => `unknown (${e.message})`);
    const a = await ours().catch(() => []);
    lastSeen = `lag ${l}, incident events ${a.length}${a.length ? ` (${a.map((e) => `${e.incidentId}:${e.seq}:${e.type}`).join(' ')})` : ''}`;
    return { lag: l, alerts: a };
  };
  const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = env.scale.settleMs): Promise<T> => {
    const started = Date.now();
    const deadline = started + timeoutMs;
    for (;;) {
      const v = await check().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > deadline) {
        if (!lastSeen) await state().catch(() => undefined);
        const readyz = await fetch(`${sys.url('detector')}/readyz`, { signal: AbortSignal.timeout(2000) })
          .then(async (r) => `${r.status} ${(await r.text()).slice(0, 2000)}`)
          .catch((e: Error) => `no answer (${e.message})`);
        const detectorLog = sys.logs.filter((l) => l.startsWith('[detector]')).slice(-60).join('\n');
        throw new Error(
          `detector-kill: timed out after ${round1((Date.now() - started) / 1000)} s waiting for ${what}; last seen: ${lastSeen}\n` +
            `detector /readyz: ${readyz}\n--- the detector's last log lines ---\n${detectorLog}`,
        );
      }
      await sleep(250);
    }
  };
  const ready = async () => {
    const res = await fetch(`${sys.url('detector')}/readyz`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? true : undefined;
  };

  await produceSignals(env.kafka, topics.signals, part1);
  await waitFor('the incident to open', async () => {
    const { lag: l, alerts: a } = await state();
    return l === 0 && a.some((e) => e.type === 'opened') ? true : undefined;
  });
  const beforeKill = await ours();

  // Kill 1: at rest, in the middle of the incident. The outage goes on while it is dead.
  env.log(`detector-kill: kill -9 at rest, incident open (${beforeKill.map((e) => e.eventId).join(', ')})`);
  const kill1 = Date.now();
  await sys.kill('detector', 'SIGKILL');
  await produceSignals(env.kafka, topics.signals, part2, 100);
  const backlog = await lag();
  await sys.restart('detector');
  await waitFor('the restarted detector to be ready', ready);
  const restart1S = round1((Date.now() - kill1) / 1000);

  // Kill 2: while it works through the backlog.
  await waitFor('some of the backlog consumed', async () => ((await lag()) < backlog ? true : undefined));
  const leftAtKill = await lag();
  env.log(`detector-kill: kill -9 in the backlog (${leftAtKill} of ${backlog} signals left)`);
  const kill2 = Date.now();
  await sys.kill('detector', 'SIGKILL');
  await sys.restart('detector');
  await waitFor('the backlog consumed after the second restart', async () => ((await lag()) === 0 ? true : undefined));
  const recoveryS = round1((Date.now() - kill2) / 1000);

  await produceSignals(env.kafka, topics.signals, part3);
  const alerts = await waitFor('the incident to resolve', async () => {
    const { lag: l, alerts: a } = await state();
    return l === 0 && a.some((e) => e.type === 'resolved') ? a : undefined;
  });

  // What the pure core emits for the same signals in one uninterrupted pass. The service groups a
  // window only once every partition has closed it (idle partitions announce their end offsets),
  // so two kills must leave the incident where the core starts it: the same id and start.
  const catalog = loadCatalog();
  const reference = createDetector({ idleTimeoutMs: 0 }, serviceInfoLookup(catalog), hashtagLookup(catalog));
  const expected: IncidentEvent[] = [];
  for (let i = 0; i < signals.length; i += 1000) {
    for (const s of signals.slice(i, i + 1000)) reference.ingest(s);
    expected.push(...reference.advance(0).incidents);
  }

  const seen = new Map<string, number>();
  for (const e of alerts) seen.set(e.eventId, (seen.get(e.eventId) ?? 0) + 1);
  let duplicated = 0;
  for (const n of seen.values()) duplicated += n - 1;
  // Missed: a gap in an incident's 1..n, an event published before a kill and gone after it,
  // an incident that never resolves, or a second incident for the one outage (the restarted
  // detector would have forgotten the open one and lost its continuation).
  const byIncident = new Map<string, Set<number>>();
  for (const e of alerts) byIncident.set(e.incidentId, (byIncident.get(e.incidentId) ?? new Set()).add(e.seq));
  let gaps = 0;
  for (const seqs of byIncident.values()) gaps += Math.max(...seqs) - seqs.size;
  const goneAfterKill = beforeKill.filter((e) => !seen.has(e.eventId)).length;
  const unresolved = [...byIncident.keys()].filter((id) => !alerts.some((e) => e.incidentId === id && e.type === 'resolved')).length;
  const splitIncidents = Math.max(0, byIncident.size - 1);
  const missed = gaps + goneAfterKill + unresolved + splitIncidents;
  const refIds = new Set(expected.map((e) => e.incidentId));
  const opened = (events: IncidentEvent[]) => events.find((e) => e.type === 'opened');
  const [got, want] = [opened(alerts), opened(expected)];
  // Minutes between the service's incident start and the core's (NaN when either has none).
  const startVsReferenceMin = got && want && got.incidentId === want.incidentId ? (got.startedAt - want.startedAt) / MIN : NaN;

  return {
    drill: 'detector-kill',
    fault: 'kill -9 the detector mid-incident, twice (at rest; in a backlog)',
    load: `${signals.length} signals of a 4 h replay (${services.join(', ')}), outage x30 40 min; ${alerts.length} incident events`,
    lost: missed,
    duplicated,
    recoveryS,
    metrics: {
      missed_incident_events: missed,
      duplicated_incident_events: duplicated,
      incident_events: alerts.length,
      detector_restart_ready_s: restart1S,
      detector_recovery_s: recoveryS,
      incident_start_vs_reference_min: startVsReferenceMin,
    },
    notes: [
      `incidents ${[...byIncident.keys()].join(', ')}; events ${alerts.map((e) => `${e.seq}:${e.type}`).join(' ')}`,
      `seq gaps ${gaps}, published before the kill and gone ${goneAfterKill}, unresolved ${unresolved}, extra incidents for the outage ${splitIncidents}`,
      `the core in one pass: ${[...refIds].join(', ')} with ${expected.length} events; opened ${want ? `${want.incidentId} from ${new Date(want.startedAt).toISOString()}` : 'none'}, the service ${got ? `${got.incidentId} from ${new Date(got.startedAt).toISOString()}` : 'none'}`,
      `kill 1 at rest -> ready again in ${restart1S} s; kill 2 with ${leftAtKill} of ${backlog} backlog signals left -> caught up ${recoveryS} s after the kill`,
    ],
  };
}

// ------------------------------------------------------------------------------------------
// Drill 4: a webhook receiver down

function drillIncidentEvents(run: string, incidents: number, perIncident: number, now: () => number): IncidentEvent[] {
  const out: IncidentEvent[] = [];
  for (let i = 0; i < incidents; i++) {
    const incidentId = `${DRILL_INCIDENT_PREFIX}${run}-${i}`;
    const startedAt = Date.UTC(2021, 9, 4, 15, 40) + i * MIN;
    for (let seq = 1; seq <= perIncident; seq++) {
      const type = seq === 1 ? 'opened' : seq === perIncident ? 'resolved' : 'updated';
      const at = startedAt + seq * MIN;
      out.push({
        eventId: `${incidentId}:${seq}`,
        incidentId,
        seq,
        type,
        at,
        emittedAt: now(),
        level: type === 'resolved' ? 'ok' : 'danger',
        startedAt,
        ...(type === 'resolved' ? { resolvedAt: at } : {}),
        services: [{ serviceId: 'slack', role: 'primary', level: type === 'resolved' ? 'ok' : 'danger', firstWarningAt: startedAt, firstDangerAt: startedAt, peakScore: 0.99, peakCount: 40 + seq }],
        summary: `Slack down (drill ${run}, incident ${i})`,
      });
    }
  }
  return out;
}

export async function receiverDownDrill(env: DrillEnv): Promise<DrillRow> {
  const { scale } = env;
  const sys = env.alerts;
  const topics = topicNames(sys.prefix);
  const run = randomSuffix(6);
  const secret = `whsec_drill_${randomSuffix(16)}`;
  const failing = await new TestReceiver(() => 200).start();
  const healthy = await new TestReceiver(() => 200).start();
  const subscribe = async (url: string) => {
    const res = await fetch(`${sys.url('notifier')}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': sys.subscriptionsKey },
      body: JSON.stringify({ url, secret, services: ['slack'], description: `drill ${run}` }),
    });
    if (res.status !== 201) throw new Error(`receiver-down: subscription refused: ${res.status} ${await res.text()}`);
  };
  await subscribe(failing.url);
  await subscribe(healthy.url);

  // One event every `interval` while the receiver is up, down, and a little after.
  const emitMs = scale.leadMs + scale.receiverDownMs + scale.leadMs;
  const intervalMs = Math.max(250, Math.round(emitMs / 60));
  const total = Math.ceil(emitMs / intervalMs);
  const perIncident = 4;
  const events = drillIncidentEvents(run, Math.ceil(total / perIncident), perIncident, Date.now).slice(0, total);
  const producer = createProducer({ kafka: env.kafka });
  await producer.connect();
  // The receivers run in this process: a stall of its event loop delays what they record, so
  // the longest stall is reported beside the delays.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const emittedAt = new Map<string, number>();
  const emitting = (async () => {
    const t0 = Date.now();
    for (let i = 0; i < events.length; i++) {
      await sleep(Math.max(0, t0 + i * intervalMs - Date.now()));
      const e = { ...events[i]!, emittedAt: Date.now() };
      emittedAt.set(e.eventId, Date.now());
      await producer.send([{ topic: topics.alerts, key: e.incidentId, value: JSON.stringify(e) }]);
    }
  })();

  await sleep(scale.leadMs);
  // Down: first refusing connections, then up but answering 503, for half the time each.
  env.log(`receiver-down: receiver refuses connections for ${scale.receiverDownMs / 2000} s, then answers 503 for as long`);
  const downAt = Date.now();
  await failing.stop();
  await sleep(scale.receiverDownMs / 2);
  failing.behaviour = () => 503;
  await failing.start();
  await sleep(scale.receiverDownMs / 2);
  failing.behaviour = () => 200;
  const upAt = Date.now();
  await emitting;
  await producer.close();

  const delivered = (r: TestReceiver) => new Set(r.delivered.map((q) => String(q.headers['x-downradar-event-id'])));
  const deadline = Date.now() + scale.settleMs;
  while (delivered(failing).size < events.length || delivered(healthy).size < events.length) {
    if (Date.now() > deadline) break;
    await sleep(200);
  }
  const lastDelivery = Math.max(...failing.delivered.map((q) => q.at));
  // A duplicate would come after the first copy: give it a moment to show up.
  await sleep(Math.min(10_000, scale.leadMs * 2));
  await failing.stop();
  await healthy.stop();
  loopDelay.disable();
  const loopStallS = round1(loopDelay.max / 1e9);

  const count = (r: TestReceiver) => {
    const per = new Map<string, number>();
    let badSignature = 0;
    for (const q of r.delivered) {
      const id = String(q.headers['x-downradar-event-id']);
      per.set(id, (per.get(id) ?? 0) + 1);
      if (!verifySignature(q.headers['x-downradar-signature'] as string | undefined, q.body, secret, q.at).ok) badSignature++;
    }
    let duplicated = 0;
    for (const n of per.values()) duplicated += n - 1;
    const missed = events.filter((e) => !per.has(e.eventId)).length;
    return { duplicated, missed, badSignature };
  };
  const f = count(failing);
  const h = count(healthy);
  // The healthy receiver must not wait for the dead one.
  const healthyTimes = healthy.delivered.map((q) => {
    const sent = emittedAt.get(String(q.headers['x-downradar-event-id'])) ?? q.at;
    return { sent, delay: q.at - sent };
  });
  const healthyDelays = healthyTimes.map((t) => t.delay);
  const maxHealthyDelayS = round1(Math.max(0, ...healthyDelays) / 1000);
  const phaseOf = (sent: number) => (sent < downAt ? 'before' : sent < upAt ? 'down' : 'after');
  const phaseFigures = (['before', 'down', 'after'] as const).map((ph) => {
    const d = healthyTimes.filter((t) => phaseOf(t.sent) === ph).map((t) => t.delay).sort((a, b) => a - b);
    if (d.length === 0) return `${ph}: none`;
    return `${ph}: ${d.length} events, median ${round1(d[Math.floor(d.length / 2)]! / 1000)} s, max ${round1(d[d.length - 1]! / 1000)} s`;
  });
  const recoveryS = round1((lastDelivery - upAt) / 1000);
  const refusedOr503 = failing.requests.filter((q) => q.status === 503).length;
  return {
    drill: 'receiver-down',
    fault: `webhook receiver down ${round1((upAt - downAt) / 1000)} s (refusing, then 503)`,
    load: `${events.length} incident events, one per ${round1(intervalMs / 1000)} s, to 2 subscriptions (one healthy)`,
    lost: f.missed + h.missed,
    duplicated: f.duplicated + h.duplicated,
    recoveryS,
    metrics: {
      duplicated_webhooks: f.duplicated + h.duplicated,
      missed_webhooks: f.missed + h.missed,
      webhook_events: events.length,
      webhook_bad_signatures: f.badSignature + h.badSignature,
      webhook_recovery_s: recoveryS,
      healthy_receiver_max_delay_s: maxHealthyDelayS,
    },
    notes: [
      `down receiver: ${failing.delivered.length} deliveries of ${events.length} events (${f.missed} missing, ${f.duplicated} duplicated), ${refusedOr503} answered 503 while down; last delivery ${recoveryS} s after it came back`,
      `healthy receiver: ${healthy.delivered.length} deliveries (${h.missed} missing, ${h.duplicated} duplicated), at most ${maxHealthyDelayS} s after the event was emitted (${phaseFigures.join('; ')})`,
      `signatures: ${f.badSignature + h.badSignature} bad; longest stall of the test process's event loop (where the receivers run): ${loopStallS} s`,
    ],
  };
}

// ------------------------------------------------------------------------------------------

export type DrillName = 'broker-kill' | 'clickhouse-stop' | 'detector-kill' | 'receiver-down' | 'burst';
export const DRILLS: Record<DrillName, (env: DrillEnv) => Promise<DrillRow>> = {
  'broker-kill': brokerKillDrill,
  'clickhouse-stop': clickhouseStopDrill,
  'detector-kill': detectorKillDrill,
  'receiver-down': receiverDownDrill,
  burst: burstDrill,
};

/**
 * Runs the drills. The broker kill comes first and alone (it hits both systems). After it, the
 * ClickHouse drill and the detector drill touch different systems and different servers, so
 * with `parallel` they run side by side (the short form does, to stay within a few minutes;
 * full runs go one at a time for clean figures). The webhook receiver drill and the burst come
 * after them, each alone, in either case.
 */
export async function runDrills(env: DrillEnv, opts: { only?: DrillName[]; parallel: boolean; onRow?: (row: DrillRow) => void }): Promise<DrillRow[]> {
  const wanted = (n: DrillName) => !opts.only || opts.only.includes(n);
  const rows: DrillRow[] = [];
  const run = async (n: DrillName) => {
    if (!wanted(n)) return;
    env.log(`${n}: start`);
    const t = Date.now();
    let row: DrillRow;
    try {
      row = await DRILLS[n](env);
    } catch (err) {
      row = { drill: n, fault: 'drill failed', load: '', lost: Number.NaN, duplicated: Number.NaN, recoveryS: Number.NaN, metrics: {}, notes: [(err as Error).stack ?? String(err)] };
    }
    // The row's figures as soon as it has them: a run cut short later (a hook timeout) still shows them.
    env.log(`${n}: done in ${round1((Date.now() - t) / 1000)} s: lost ${row.lost}, duplicated ${row.duplicated}, recovery ${row.recoveryS} s; ${row.load}; ${row.notes.join('; ')}`);
    rows.push(row);
    opts.onRow?.(row);
  };
  await run('broker-kill');
  if (opts.parallel) await Promise.all([run('clickhouse-stop'), run('detector-kill')]);
  else {
    await run('clickhouse-stop');
    await run('detector-kill');
  }
  // The receiver drill times each delivery to the healthy receiver against a 5-s bound. Beside
  // the ClickHouse drill (its restart, the sink's catch-up, the exact count that reads the whole
  // topic in this very process, where the test receivers also run) one CI run measured 5.3 s;
  // alone, the same drill's worst delivery is about 0.5 s. So it runs after both.
  await run('receiver-down');
  // The burst runs alone: whether ingest sheds depends on how fast it can take requests, and
  // beside the detector-kill drill's replay (both on two cores) it could not take a 10x burst
  // faster than the rate limit lets through: 0 shed, the drill failed.
  await run('burst');
  const order: string[] = ['broker-kill', 'clickhouse-stop', 'detector-kill', 'receiver-down', 'burst'];
  return rows.sort((a, b) => order.indexOf(a.drill) - order.indexOf(b.drill));
}

/** The metrics of drills.json: the totals named in issue 8, then each drill's own figures. */
export function drillMetrics(rows: DrillRow[]): Record<string, number> {
  const sum = (k: string) => rows.reduce((a, r) => a + (r.metrics[k] ?? 0), 0);
  const totals: Record<string, number> = {
    lost_reports: sum('lost_reports'),
    duplicated_reports: sum('duplicated_reports'),
    missed_incident_events: sum('missed_incident_events'),
    duplicated_incident_events: sum('duplicated_incident_events'),
    duplicated_webhooks: sum('duplicated_webhooks'),
    max_recovery_s: Math.max(...rows.map((r) => r.recoveryS)),
  };
  // A figure more than one drill reports (accepted_reports, kafka_duplicate_reports) is summed.
  const per: Record<string, number> = {};
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.metrics)) {
      if (k in totals) continue;
      per[k] = (per[k] ?? 0) + v;
    }
  }
  return { ...totals, ...per };
}

export function formatTable(rows: DrillRow[]): string {
  const head = ['drill', 'fault', 'load', 'lost', 'duplicated', 'recovery s'];
  const body = rows.map((r) => [r.drill, r.fault, r.load, String(r.lost), String(r.duplicated), String(r.recoveryS)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
