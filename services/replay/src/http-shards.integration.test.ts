/**
 * The http target with shards against real ingest (two processes sharing the port, as bench:e2e
 * runs it) and the real broker: a replay slice sent as one request per signals partition, one in
 * flight per partition, lands exactly once, and each partition of downradar.reports and
 * downradar.signals holds its reports and report signals in the generator's emission order: what
 * each of the detector's per-partition scorers reads is what a one-batch-at-a-time replay gives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, hashApiKey, readSignalMessage, topicNames } from '@downradar/common';
import { STACK_ENV, eventually, freePort, testKafka, testPrefix } from '@downradar/common/testing';
import { generateEvents } from './generator';
import { runReplay } from './replay';
import { loadScenario } from './scenario-loader';
import { partitionSharder } from './shards';

const INGEST_MAIN = fileURLToPath(new URL('../../ingest/src/main.ts', import.meta.url));
const PARTITIONS = 3;
const KEY = 'test-key-shards-0123456789';
const prefix = testPrefix('replay-shards');
const topics = topicNames(prefix);
const kafka = testKafka();
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await deleteTopicsWithPrefix(kafka, prefix);
});

/** Every message of the topics with its partition, in partition order, until `expected` report rows and signals were read. */
async function readByPartition(expectedReports: number, timeoutMs = 120_000) {
  const consumer = kafka.consumer({ groupId: `${prefix}-reader`, maxWaitTimeInMs: 100 });
  const reports = new Map<number, string[]>();
  /** partition -> service -> report ids of its report signals, in the order read */
  const signals = new Map<number, Map<string, string[]>>();
  let reportCount = 0;
  let reportSignals = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.reports, topics.signals], fromBeginning: true });
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      if (topic === topics.reports) {
        const id = (JSON.parse(message.value!.toString()) as { id: string }).id;
        reports.set(partition, [...(reports.get(partition) ?? []), id]);
        reportCount++;
      } else {
        const read = readSignalMessage(message.value);
        if (read.ok)
          for (const item of read.items)
            if (item.ok && item.value.kind === 'report') {
              let byService = signals.get(partition);
              if (!byService) signals.set(partition, (byService = new Map()));
              byService.set(item.value.serviceId, [...(byService.get(item.value.serviceId) ?? []), item.value.sourceId]);
              reportSignals++;
            }
      }
      if (reportCount >= expectedReports && reportSignals >= expectedReports) resolveDone();
    },
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
  await consumer.disconnect();
  return { reports, signals };
}

describe('replay through ingest, sharded by partition', () => {
  it('writes every report once and each partition in emission order, from two ingest processes', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', INGEST_MAIN], {
      env: {
        ...process.env,
        ...STACK_ENV,
        DOWNRADAR_TOPIC_PREFIX: prefix,
        DOWNRADAR_KAFKA_PARTITIONS: String(PARTITIONS),
        DOWNRADAR_INGEST_PORT: String(port),
        DOWNRADAR_INGEST_PROCESSES: '2',
        DOWNRADAR_API_KEY_HASHES: `${hashApiKey(KEY)}:feed`,
        DOWNRADAR_REPORTER_SALT: 'test-salt',
        DOWNRADAR_REPORTS_PER_IP_PER_MINUTE: '10000000',
        DOWNRADAR_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString('utf8')).slice(-100_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 180_000, 'ingest ready');

    const scenario = loadScenario('blip-6min');
    const slice = { scale: 1, from: '2024-03-12T19:30:00Z', to: '2024-03-12T19:50:00Z', idPrefix: `${prefix}-` };
    const expected = [...generateEvents(scenario, slice)];
    const summary = await runReplay({ scenario, target: 'http', ingestUrl: url, apiKey: KEY, speed: 'max', ...slice, batchSize: 100, partitions: PARTITIONS });
    expect(summary.sent, output).toBe(expected.length);
    expect(summary.targetStats.rejected).toBe(0);

    const shardOf = partitionSharder(PARTITIONS);
    const expectedReports = expected.flatMap((e) => (e.kind === 'report' ? [e] : []));
    expect(summary.batches).toBeGreaterThan(expectedReports.length / 100);
    const { reports, signals } = await readByPartition(expectedReports.length);
    for (let p = 0; p < PARTITIONS; p++) {
      const want = expectedReports.filter((e) => shardOf(e) === p).map((e) => e.report.id);
      expect(want.length).toBeGreaterThan(0);
      // each report once, on its service's partition, in emission order
      expect(reports.get(p) ?? []).toEqual(want);
      // its signal (sourceId = the report id) on the same partition, each service's in emission
      // order (ingest writes a service's signals of a few seconds as one batch message, so
      // services interleave by batch, not by line: the detector keeps a state per service)
      const byService = new Map<string, string[]>();
      for (const e of expectedReports) if (shardOf(e) === p) byService.set(e.report.serviceId, [...(byService.get(e.report.serviceId) ?? []), e.report.id]);
      expect(new Map([...(signals.get(p) ?? new Map<string, string[]>())].sort())).toEqual(new Map([...byService].sort()));
    }
    child.kill('SIGTERM');
  }, 300_000);
});
