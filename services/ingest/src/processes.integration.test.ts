/**
 * Ingest as two processes sharing its port (DOWNRADAR_INGEST_PROCESSES=2, services/common
 * cluster.ts), started as a user would: the reports both workers accept reach Kafka, /readyz
 * answers for both workers, /metrics counts what both accepted, and SIGTERM stops the service.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, hashApiKey, topicNames } from '@downradar/common';
import { STACK_ENV, eventually, freePort, readTopicToEnd, testKafka, testPrefix } from '@downradar/common/testing';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const prefix = testPrefix('ingest-procs');
const kafka = testKafka();
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await deleteTopicsWithPrefix(kafka, prefix);
});

describe('ingest as two processes', () => {
  it('shares the port, stores what both workers accept, answers health and metrics for both, stops on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        ...STACK_ENV,
        DOWNRADAR_TOPIC_PREFIX: prefix,
        DOWNRADAR_KAFKA_PARTITIONS: '2',
        DOWNRADAR_INGEST_PORT: String(port),
        DOWNRADAR_INGEST_PROCESSES: '2',
        DOWNRADAR_API_KEY_HASHES: hashApiKey('test-key-procs-0123456789'),
        DOWNRADAR_REPORTER_SALT: 'test-salt',
        DOWNRADAR_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Its log is kept, not printed into the run's output: shown when an assertion fails, and
    // checked for errors at the end (the warnings it gives at start are expected).
    let output = '';
    const keep = (d: Buffer) => (output = (output + d.toString('utf8')).slice(-200_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<number | null>((r) => child!.on('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${port}`;
    const ready = await eventually(async () => {
      const r = await fetch(`${url}/readyz`);
      return r.status === 200 ? ((await r.json()) as { ok: boolean; processes: number; workers: { ok: boolean }[] }) : undefined;
    }, 180_000, 'both workers ready');
    expect(ready, output).toMatchObject({ ok: true, processes: 2 });
    expect(ready.workers).toHaveLength(2);

    // New connections are handed round robin, so these land on both workers.
    const ids = Array.from({ length: 10 }, (_, i) => `procs-${i}`);
    for (const id of ids) {
      const r = await fetch(`${url}/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ id, serviceId: 'whatsapp', problem: 'messaging', reporterId: `r-${id}` }),
      });
      expect(r.status, await r.text()).toBe(202);
    }
    const stored = (await readTopicToEnd(kafka, topicNames(prefix).reports)).map((m) => JSON.parse(m.value!.toString()).id as string);
    expect(stored.sort()).toEqual([...ids].sort());

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const accepted = [...metrics.matchAll(/^ingest_\w*accepted\w*\{[^}]*kind="report"[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]));
    expect(accepted).toEqual([10]);

    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    // kafkajs' own error lines depend on the broker's timing (a CreateTopics answer about topics
    // that exist, seen in a passing npm test run); the workers' own lines hold no error.
    const errors = output.split('\n').filter((l) => /"level":(50|60)/.test(l) && !l.includes('"logger":"kafkajs"'));
    expect(errors, output).toEqual([]);
  }, 300_000);
});
