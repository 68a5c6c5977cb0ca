/**
 * kill -9 in the middle of an incident: the detector runs as its own process
 * (`node --import tsx services/detector/src/main.ts`), is killed once at rest and once while it
 * works through a backlog, and restarted each time. What must hold:
 *   - the alerts topic (read_committed) holds every incident event exactly once: per incident the
 *     sequence numbers are 1..n without gaps or duplicates, one `opened`, one `resolved`;
 *   - every (service, window) score is published exactly once, with the counts an uninterrupted
 *     detector computes (no signal lost or counted twice across the kills, dedupe included);
 *   - the baselines read back after a restart equal those before the kill;
 *   - the incident events (ids, members, roles, levels, sequence) equal those of one uninterrupted
 *     in-process detector: the detector is up before the first signal (its partitions announced
 *     idle), the partitions race each other, the producer stops and the process dies twice, and
 *     none of it changes an incident (services/detector/README.md, "Ordering").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, ensureTopics, topicNames } from '@downradar/common';
import { keyPartition } from '@downradar/common/kafka/key-partition';
import { loadCatalog } from '../../../schemas/catalog/index';
import { eventually, freePort, testKafka, testPrefix } from '@downradar/common/testing/index';
import type { IncidentEvent, ScoreEvent, SignalEvent } from '../../../schemas/events/index';
import { createDetector } from './core/detector';
import { minuteOfWeek } from './core/time';
import { hashtagLookup, serviceInfoLookup } from './service-facts';
import { catalogTraffic, groupLag, produceSignals, readJson, testDetectorEnv } from './testing/testkit';

const MIN = 60_000;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const kafka = testKafka('detector-restart-test');
const prefix = testPrefix('restart');
const topics = topicNames(prefix);
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
});

const killedByTest = new WeakSet<ChildProcess>();
/** The last output of each detector process started (for a failure to explain itself). */
const outputs = new WeakMap<ChildProcess, () => string>();

/**
 * What a wait that timed out needs to say, so that a CI failure explains itself (the detector logs
 * at warn level): the detector's /debug/status (each partition's offset and closed windows, the
 * incident stage's progress per partition, processed windows, late scores) and its last output.
 */
async function explain(err: unknown, port: number, child: ChildProcess): Promise<never> {
  let status: string;
  try {
    status = JSON.stringify(await (await fetch(`http://127.0.0.1:${port}/debug/status`, { signal: AbortSignal.timeout(5000) })).json());
  } catch (e) {
    status = `not available (${(e as Error).message})`;
  }
  let lag: string;
  try {
    lag = String(await groupLag(kafka, `${prefix}-detector`, topics.signals));
  } catch (e) {
    lag = `not available (${(e as Error).message})`;
  }
  const output = outputs.get(child)?.() ?? '';
  throw new Error(`${(err as Error).message}\nsignals lag of the scoring group: ${lag}\ndetector /debug/status: ${status}\ndetector output (last ${output.length} chars):\n${output}`);
}

/** `wait`, and when it fails, the failure with what the running detector says about itself. */
function explained<T>(port: number, child: ChildProcess, wait: Promise<T>): Promise<T> {
  return wait.catch((err: unknown) => explain(err, port, child));
}

/** Starts the detector process; `exited` rejects (with its last output) if it ever exits. */
function spawnDetector(port: number, extra: Record<string, string> = {}): { child: ChildProcess; exited: Promise<never> } {
  const child = spawn(process.execPath, ['--import', 'tsx', `${REPO}services/detector/src/main.ts`], {
    cwd: REPO,
    env: { ...process.env, ...testDetectorEnv(prefix, 'restart-test', { DOWNRADAR_DETECTOR_PORT: String(port), ...extra }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-16_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-16_000)));
  outputs.set(child, () => output);
  children.push(child);
  // Rejects only on an exit the test did not cause (kill9 marks its own).
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      if (!killedByTest.has(child)) reject(new Error(`detector exited (${code ?? signal}): ${output}`));
    }),
  );
  exited.catch(() => undefined); // seen by whoever races it; unwatched later, it is not an unhandled rejection
  return { child, exited };
}

/** Starts the detector and waits until it is ready; one that exits (a refused configuration, say) fails the test at once. */
async function startDetector(port: number, extra: Record<string, string> = {}): Promise<ChildProcess> {
  const { child, exited } = spawnDetector(port, extra);
  await Promise.race([exited, eventually(async () => (child.exitCode === null && (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 90_000, 'the detector to be ready')]);
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  killedByTest.add(child);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Kills the detector with SIGKILL the moment its group has committed the first part of a backlog of
 * `backlog` signal records: an admin client polls the committed offsets without pause from the
 * moment the process is spawned. The backlog is several 64 KB fetches per partition, one
 * transaction each, so the kill lands while most of it is still to do, however fast the detector.
 */
async function kill9InBacklog(child: ChildProcess, backlog: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topics.signals); // nothing is produced meanwhile
    const deadline = Date.now() + 60_000;
    for (;;) {
      const committed = await admin.fetchOffsets({ groupId: `${prefix}-detector`, topics: [topics.signals] });
      const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? 0 : Number(p.offset)]));
      const lag = ends.reduce((sum, e) => sum + Math.max(0, Number(e.high) - (done.get(e.partition) ?? 0)), 0);
      if (lag < backlog) break;
      if (Date.now() > deadline) throw new Error(`timed out after 60000 ms waiting for the detector to start on the backlog (lag ${lag})`);
    }
    await kill9(child);
  } finally {
    await admin.disconnect();
  }
}

const consumed = () => eventually(async () => ((await groupLag(kafka, `${prefix}-detector`, topics.signals)) === 0 ? true : undefined), 90_000, 'all signals consumed');

/**
 * Writes signals in the order the detector's promise assumes of its sources (services/detector/
 * README.md, "Ordering", 4): nothing is written to a partition after another partition has had a
 * signal more than the allowed lateness newer than it. The producer (common's createProducer)
 * sends partitions over separate connections at once, so one send of three hours of history can
 * land one partition whole before another partition's first signal: the incident stage then
 * rightly counts the still-empty partition out, groups those hours without it, and its scores
 * come too late for grouping (on a loaded machine in step 1: slack's partition, alone on the
 * second connection, was grouped up to 15:49 before facebook's and instagram's first signal was
 * written; the incident never opened). So the first signal of every partition is written, and
 * acknowledged, before the rest: from then on no partition is empty, each is waited for, and the
 * rest may land in any interleaving. Each partition's own order is unchanged.
 */
async function produceWithEveryPartitionStarted(signals: readonly SignalEvent[], partitions: number): Promise<void> {
  const firsts = new Map<number, SignalEvent>();
  for (const s of signals) {
    const p = keyPartition(s.serviceId, partitions);
    if (!firsts.has(p)) firsts.set(p, s);
  }
  const first = new Set(firsts.values());
  await produceSignals(kafka, topics.signals, [...first]);
  await produceSignals(kafka, topics.signals, signals.filter((s) => !first.has(s)));
}

describe('detector: kill -9 and restart', () => {
  it('publishes every incident event and every score exactly once, and resumes with the same baselines', async () => {
    await ensureTopics(kafka, { prefix, partitions: 3 });
    const port = await freePort();
    const onset = Date.UTC(2021, 9, 4, 15, 40);
    const end = Date.UTC(2021, 9, 4, 16, 20);
    // Every partition has signals (slack hashes to partition 1, the others to 0 and 2). The
    // detector is started BEFORE them and every partition is announced idle (empty) first: a
    // partition announced empty whose signals then come must still hold back incident grouping
    // (before the end-offset check it did not, and the incident opened at 15:49, not 15:40). They
    // are written as the promise assumes of a source (produceWithEveryPartitionStarted).
    const services = ['facebook', 'instagram', 'netflix', 'spotify', 'twitter', 'reddit', 'slack'];
    const signals = catalogTraffic({
      seed: 9,
      from: Date.UTC(2021, 9, 4, 13, 0),
      to: Date.UTC(2021, 9, 4, 17, 50), // ample: the incident resolves about 10-15 min after the outage ends (resolveAfterMs on the recent spans of the scan)
      services,
      outages: { facebook: [onset, end, 30], instagram: [onset + 2 * MIN, end, 30] },
    });
    const part1 = signals.filter((s) => s.at < onset + 10 * MIN);
    const part2 = signals.filter((s) => s.at >= onset + 10 * MIN && s.at < onset + 30 * MIN);
    const part3 = signals.filter((s) => s.at >= onset + 30 * MIN);

    // 1. Up to the middle of the incident, then kill -9 at rest.
    let child = await startDetector(port, { DOWNRADAR_DETECTOR_EMPTY_PARTITION_IDLE_MS: '1000' });
    await explained(
      port,
      child,
      eventually(
        async () => {
          const status = (await (await fetch(`http://127.0.0.1:${port}/debug/status`)).json()) as { incidents: { progress: { idle: boolean }[] } };
          return status.incidents.progress.length === 3 && status.incidents.progress.every((p) => p.idle) ? true : undefined;
        },
        60_000,
        'every partition announced idle',
      ),
    );
    expect(new Set(part1.map((s) => keyPartition(s.serviceId, 3))).size).toBe(3);
    await produceWithEveryPartitionStarted(part1, 3);
    await explained(port, child, consumed());
    await explained(
      port,
      child,
      eventually(async () => ((await readJson<IncidentEvent>(kafka, topics.alerts)).some((e) => e.type === 'opened') ? true : undefined), 60_000, 'opened'),
    );
    const baselineAt = minuteOfWeek(onset);
    const baselines = async () =>
      Promise.all(services.map(async (s) => (await fetch(`http://127.0.0.1:${port}/debug/baseline?service=${s}&minuteOfWeek=${baselineAt}`)).json()));
    const before = await baselines();
    expect(before.every((b) => (b as { history: number }).history > 0)).toBe(true);
    await kill9(child);

    // 2. Restarted: the same baselines.
    child = await startDetector(port);
    expect(await baselines()).toEqual(before);
    await kill9(child);

    // 3. A backlog read in the smallest fetches the detector takes (64 KB), and kill -9 while it is
    // being worked through. JSON, one signal a record: the most bytes, so the most fetches (binary
    // signals are a quarter of the bytes; in 64 KB fetches the whole backlog took one or two).
    await produceSignals(kafka, topics.signals, part2, 1000, 'json');
    const backlog = await groupLag(kafka, `${prefix}-detector`, topics.signals);
    expect(backlog).toBe(part2.length);
    // Watched from the moment it starts: it may be through the first fetches before it answers /readyz.
    const inBacklog = spawnDetector(port, { DOWNRADAR_DETECTOR_MAX_BATCH_BYTES: '65536' });
    await Promise.race([inBacklog.exited, kill9InBacklog(inBacklog.child, backlog)]);
    const left = await groupLag(kafka, `${prefix}-detector`, topics.signals);

    // 4. Restarted again: the rest of the backlog, then the end of the outage until it resolves.
    // From here on the signals are binary, as producers write them now, after JSON ones (an upgrade).
    child = await startDetector(port);
    await produceSignals(kafka, topics.signals, part3, 20_000, 'binary');
    await explained(port, child, consumed());
    const alerts = await explained(
      port,
      child,
      eventually(
        async () => {
          const a = await readJson<IncidentEvent>(kafka, topics.alerts);
          return a.some((e) => e.type === 'resolved') ? a : undefined;
        },
        60_000,
        'resolved',
      ),
    );
    await kill9(child);

    const byIncident = new Map<string, IncidentEvent[]>();
    for (const e of alerts) byIncident.set(e.incidentId, [...(byIncident.get(e.incidentId) ?? []), e]);
    expect([...byIncident.keys()]).toEqual(['inc-meta-202110041540']);
    for (const [, events] of byIncident) {
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
      expect(events.filter((e) => e.type === 'opened')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'resolved')).toHaveLength(1);
      expect(events[events.length - 1]!.type).toBe('resolved');
    }

    // Every score once, equal to an uninterrupted detector's.
    const scores = await readJson<ScoreEvent>(kafka, topics.scores);
    const key = (s: ScoreEvent) => `${s.serviceId}@${s.windowStart}`;
    expect(new Set(scores.map(key)).size).toBe(scores.length);
    const catalog = loadCatalog();
    const reference = createDetector({ idleTimeoutMs: 0 }, serviceInfoLookup(catalog), hashtagLookup(catalog));
    const expected = new Map<string, ScoreEvent>();
    const expectedIncidents: IncidentEvent[] = [];
    for (let i = 0; i < signals.length; i += 1000) {
      for (const s of signals.slice(i, i + 1000)) reference.ingest(s);
      const out = reference.advance(0);
      for (const s of out.scores) expected.set(key(s), s);
      expectedIncidents.push(...out.incidents);
    }
    // The same incident events, up to where the service has grouped (every partition's frontier).
    const comparable = ({ emittedAt: _t, ...e }: IncidentEvent) => e;
    const groupedUpTo = Math.max(...alerts.map((e) => e.at));
    expect(alerts.map(comparable)).toEqual(expectedIncidents.filter((e) => e.at <= groupedUpTo).map(comparable));
    const view = (s: ScoreEvent | undefined) => s && { count: s.count, rawCount: s.rawCount, level: s.level, score: s.score, expected: s.expected };
    expect(scores.length).toBeGreaterThan(services.length * 200);
    for (const s of scores) expect({ key: key(s), ...view(s) }).toEqual({ key: key(s), ...view(expected.get(key(s))) });
    // The kill in the backlog really happened in the middle of it.
    expect(left).toBeGreaterThan(0);
  });
});
