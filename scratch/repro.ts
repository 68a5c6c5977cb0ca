/**
 * Reproduction: replay fb-2021-10-04 into a fresh system (ingest + detector + sink), wait until the
 * detector has consumed everything, then digest scores / incidents / DLQ of its topics.
 * usage: tsx scratch/repro.ts <label> <speed> [stallAtS stallForS]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createKafka, repoRoot, topicNames } from '@downradar/common';
import { startSystem } from '../tests/harness/system';
import { groupLag, readAll } from '../services/detector/src/testing/testkit';

const [label = 'run', speed = 'max', stallAt, stallFor] = process.argv.slice(2);
const SCALE = process.env.REPRO_SCALE ?? '0.003';
const FROM = process.env.REPRO_FROM ?? '2021-10-04T09:00:00Z';
const TO = process.env.REPRO_TO ?? '2021-10-05T01:00:00Z';
const t0 = Date.now();
const log = (m: string) => console.log(`[${label} ${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}`);

const sys = await startSystem(`repro-${label}`, { services: ['ingest', 'detector'], env: { DOWNRADAR_DETECTOR_PRIOR_SCALE: SCALE } });
process.on('SIGTERM', () => void sys.stop().finally(() => process.exit(1)));
try {
  log('system up');
  const child = spawn(process.execPath, ['--import', 'tsx', `${repoRoot}/services/replay/src/cli.ts`, '--target', 'http', '--ingest-url', sys.url('ingest'),
    '--scenario', 'fb-2021-10-04', '--speed', speed, '--scale', SCALE, '--from', FROM, '--to', TO, '--quiet', '--json'], {
    cwd: repoRoot, env: { ...process.env, ...sys.env, DOWNRADAR_API_KEY: sys.apiKey }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  if (stallAt) {
    setTimeout(() => { log(`SIGSTOP replay for ${stallFor}s`); child.kill('SIGSTOP'); setTimeout(() => { log('SIGCONT'); child.kill('SIGCONT'); }, Number(stallFor) * 1000); }, Number(stallAt) * 1000);
  }
  const code = await new Promise((r) => child.on('exit', r));
  log(`replay exit ${code}: ${out.slice(0, 400)}`);
  const kafka = createKafka({ brokers: sys.kafkaBrokers, clientId: 'repro' });
  const topics = topicNames(sys.prefix);
  let last = '';
  let status: any;
  for (let stable = 0; stable < 5; ) {
    const lag = await groupLag(kafka, `${sys.prefix}-detector`, topics.signals);
    status = await (await fetch(`${sys.url('detector')}/debug/status`)).json();
    const now = JSON.stringify([status.scoring?.tasks, status.incidents?.processedUpTo, status.incidents?.pendingWindows]);
    if (lag === 0 && now === last) stable++;
    else stable = 0;
    last = now;
    await new Promise((r) => setTimeout(r, 2000));
  }
  log(`caught up: ${JSON.stringify({ tasks: status.scoring.tasks, inc: { processedUpTo: status.incidents.processedUpTo, lateScores: status.incidents.lateScores, pending: status.incidents.pendingWindows } })}`);
  const scores = (await readAll(kafka, topics.scores)).map((m) => JSON.parse(m.value));
  const alerts = (await readAll(kafka, topics.alerts)).map((m) => JSON.parse(m.value));
  const dlq = (await readAll(kafka, topics.dlq)).map((m) => JSON.parse(m.value));
  const signals = await readAll(kafka, topics.signals);
  const key = (s: any) => `${s.serviceId} ${s.windowStart}`;
  scores.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const scoreLines = scores.map((s) => `${s.serviceId} ${new Date(s.windowStart).toISOString().slice(0, 16)} c=${s.count} r=${s.rawCount} e=${s.expected.toFixed(3)} s=${s.score.toFixed(4)} ${s.level}`);
  const dlqBy: Record<string, number> = {};
  for (const d of dlq) dlqBy[d.code] = (dlqBy[d.code] ?? 0) + 1;
  const incidents = new Map<string, any>();
  for (const a of alerts) {
    const i = incidents.get(a.incidentId) ?? { id: a.incidentId, events: [] as string[], startedAt: new Date(a.startedAt).toISOString(), resolvedAt: null, services: '' };
    i.events.push(`${a.seq}:${a.type}@${new Date(a.at).toISOString().slice(11, 16)}`);
    if (a.resolvedAt) i.resolvedAt = new Date(a.resolvedAt).toISOString();
    i.services = a.services.map((s: any) => `${s.serviceId}/${s.role}`).join(',');
    incidents.set(a.incidentId, i);
  }
  const lateDlq = dlq.filter((d) => d.code === 'LATE_EVENT').map((d) => JSON.parse(d.payload)).map((s) => `${s.serviceId} ${new Date(s.at).toISOString().slice(0, 19)}`);
  const summary = {
    label, speed, lateScores: status.incidents.lateScores, stall: stallAt ? `${stallFor}s at ${stallAt}s` : null, signals: signals.length, scores: scores.length,
    scoresHash: createHash('sha256').update(scoreLines.join('\n')).digest('hex').slice(0, 16),
    dlq: dlqBy, incidents: [...incidents.values()], alertEvents: alerts.length,
    lateSample: lateDlq.slice(0, 10),
  };
  writeFileSync(`${repoRoot}/scratch/${label}.scores.txt`, scoreLines.join('\n') + '\n');
  writeFileSync(`${repoRoot}/scratch/${label}.late.txt`, lateDlq.join('\n') + '\n');
  writeFileSync(`${repoRoot}/scratch/${label}.alerts.json`, JSON.stringify(alerts, null, 1));
  writeFileSync(`${repoRoot}/scratch/${label}.summary.json`, JSON.stringify(summary, null, 1));
  console.log(JSON.stringify(summary, null, 1));
} finally {
  await sys.stop();
}
process.exit(0);
