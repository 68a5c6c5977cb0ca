import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, createProducer, deleteTopicsWithPrefix, ensureTopics, repoRoot, topicNames } from '@downradar/common';
import type { IncidentEvent } from '../schemas/events/index';

/**
 * The example alert consumer in another language (examples/python-alerts-consumer, Debian's
 * python3-confluent-kafka) against the real broker: incident events produced to a throwaway
 * alerts topic come out as one line each, deduplicated on eventId, gaps reported.
 */
const BROKERS = process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092';
// Debian's interpreter sees Debian's python3-confluent-kafka; a pyenv python3 on PATH does not.
const PYTHON = process.env.DOWNRADAR_PYTHON ?? '/usr/bin/python3';
const SCRIPT = `${repoRoot}/examples/python-alerts-consumer/consumer.py`;
const prefix = `it-pyalerts-${randomBytes(4).toString('hex')}`;
const topic = topicNames(prefix).alerts;
const kafka = createKafka({ brokers: BROKERS.split(','), clientId: 'alerts-example-it' });

function event(incidentId: string, seq: number, over: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    eventId: `${incidentId}:${seq}`,
    incidentId,
    seq,
    type: seq === 1 ? 'opened' : 'updated',
    at: 1_633_362_000_000 + seq * 60_000,
    emittedAt: 1_633_362_005_000 + seq * 60_000,
    level: 'danger',
    startedAt: 1_633_361_940_000,
    family: 'meta',
    provider: 'meta',
    services: [
      { serviceId: 'facebook', role: 'primary', level: 'danger', firstDangerAt: 1_633_362_000_000, peakScore: 0.99, peakCount: 800 },
      { serviceId: 'whatsapp', role: 'primary', level: 'danger', peakScore: 0.97, peakCount: 500 },
      { serviceId: 'twitter', role: 'collateral', level: 'warning', peakScore: 0.8, peakCount: 90 },
    ],
    summary: `Meta family down (event ${seq})`,
    ...over,
  };
}

function runConsumer(args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const check = spawnSync(PYTHON, ['-c', 'import confluent_kafka'], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`${PYTHON} cannot import confluent_kafka: apt-get install -y python3-confluent-kafka (or set DOWNRADAR_PYTHON)\n${check.stderr}`);
  await ensureTopics(kafka, { prefix, partitions: 3, only: ['alerts'] });
});

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, prefix);
});

describe('example alert consumer in Python (python3-confluent-kafka)', () => {
  it('prints one line per incident event, in order per incident, deduped on eventId', async () => {
    const a = 'inc-a-' + prefix;
    const b = 'inc-b-' + prefix;
    const resolved = event(a, 3, { type: 'resolved', level: 'ok', resolvedAt: 1_633_387_200_000, summary: 'Meta family back' });
    const producer = createProducer({ kafka });
    const msg = (e: IncidentEvent) => ({ topic, key: e.incidentId, value: JSON.stringify(e) });
    await producer.send([msg(event(a, 1)), msg(event(b, 1, { services: [{ serviceId: 'gmail', role: 'primary', level: 'warning', peakScore: 0.7, peakCount: 30 }], summary: 'Gmail  slow\nin places', level: 'warning', family: 'google', provider: 'google' }))]);
    // A duplicate (what a producer retry or a detector restart can leave), a gap in b, and junk.
    await producer.send([msg(event(a, 2)), msg(event(a, 2)), msg(event(b, 3, { services: [{ serviceId: 'gmail', role: 'primary', level: 'danger', peakScore: 0.9, peakCount: 60 }], summary: 'Gmail down' })), msg(resolved)]);
    await producer.send([{ topic, key: 'junk', value: 'this is not an incident event' }]);
    await producer.close();

    const r = await runConsumer(['--brokers', BROKERS, '--topic', topic, '--from-beginning', '--max-messages', '5', '--timeout', '60']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    // Kafka orders per partition, so per incident: compare each incident's lines in order.
    expect(lines.filter((l) => l.startsWith(a))).toEqual([
      `${a}:1 opened danger services=facebook,whatsapp collateral=twitter :: Meta family down (event 1)`,
      `${a}:2 updated danger services=facebook,whatsapp collateral=twitter :: Meta family down (event 2)`,
      `${a}:3 resolved ok services=facebook,whatsapp collateral=twitter :: Meta family back`,
    ]);
    expect(lines.filter((l) => l.startsWith(b))).toEqual([`${b}:1 opened warning services=gmail :: Gmail slow in places`, `${b}:3 updated danger services=gmail :: Gmail down`]);
    expect(r.stderr).toContain(`duplicate ${a}:2 skipped`);
    expect(r.stderr).toContain(`gap in ${b}: seq 3 after 1`);
  });

  it('stops at --timeout with exit 3 when fewer events than --max-messages arrived', async () => {
    const r = await runConsumer(['--brokers', BROKERS, '--topic', `${prefix}.nothing-here`, '--max-messages', '1', '--timeout', '3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/timeout after 3\.0 s with 0 event\(s\)/);
  });
});
