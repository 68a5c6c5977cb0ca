/**
 * Ingest's CPU on the e2e day's own lines, in one process, and a digest of everything it wrote:
 *
 *   npx tsx bench/lib/ingest-day-lines.ts [scale] [rounds] [--out <file>]
 *
 * The events of the fb-2021-10-04 replay at `scale` (default 0.02) become the lines the replay's
 * HTTP target sends (`{"report": ...}` / `{"post": ...}` in emission order, 2,000 a request) and
 * go through the real app (app.ts, nlp's understanding as wiring.ts builds it, the reporter HMAC
 * with a fixed salt, the dedupe set, produce.ts) with fastify's `inject`, one request at a time,
 * `now` fixed, and a producer that records every message and acknowledges on the next turn.
 * Per round: µs of this process's CPU an event. Round 1 prints a SHA-256 of every message
 * (topic, key, value bytes, in order) and of every answer, per topic: run it from two checkouts to
 * see that a change writes the same bytes. Rounds after the first send the same lines with their
 * ids prefixed (so the dedupe set does not turn them into duplicates). `--out` writes the round's
 * messages as NDJSON (topic, key, value as base64) to look at a difference.
 * With `node --cpu-prof --import tsx` it is also the quickest profile of the day's lines.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { hashApiKey, type OutMessage } from '@downradar/common';
import { inProcessIngest } from './ingest-in-process';
import { generateEvents } from '../../services/replay/src/generator';
import { loadScenario } from '../../services/replay/src/scenario-loader';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outFile = outAt >= 0 ? args[outAt + 1] : undefined;
const pos = outAt >= 0 ? args.filter((_, i) => i !== outAt && i !== outAt + 1) : args;
const scale = Number(pos[0] ?? 0.02);
const rounds = Number(pos[1] ?? 3);
const PER_REQUEST = 2000;
const NOW = 1_700_000_000_000;
const KEY = 'bench-day-lines-key';

const events: ({ report: Record<string, unknown> } | { post: Record<string, unknown> })[] = [];
for (const e of generateEvents(loadScenario('fb-2021-10-04'), { scale })) events.push(e.kind === 'report' ? { report: e.report } : { post: e.post });
const posts = events.filter((e) => 'post' in e).length;

let recording: { digests: Map<string, ReturnType<typeof createHash>>; counts: Map<string, number>; out?: NodeJS.WritableStream } | null = null;
const record = (messages: OutMessage[]) => {
  if (!recording) return;
  for (const m of messages) {
    let d = recording.digests.get(m.topic);
    if (!d) recording.digests.set(m.topic, (d = createHash('sha256')));
    const key = m.key === null || m.key === undefined ? '' : String(m.key);
    const value = typeof m.value === 'string' ? Buffer.from(m.value, 'utf8') : Buffer.from(m.value);
    d.update(`${key.length}:${key}:${value.length}:`).update(value);
    recording.counts.set(m.topic, (recording.counts.get(m.topic) ?? 0) + 1);
    recording.out?.write(JSON.stringify({ topic: m.topic, key, value: value.toString('base64') }) + '\n');
  }
};
const { app } = await inProcessIngest([`${hashApiKey(KEY)}:feed`], {
  onSend: record,
  topicPrefix: 'day',
  batchMaxBytes: 16 << 20,
  produceTimeoutMs: 60_000,
  maxEventLoopDelayMs: 600_000,
  now: () => NOW,
});

function bodies(round: number): string[] {
  const out: string[] = [];
  const prefix = round === 0 ? '' : `r${round}-`;
  for (let i = 0; i < events.length; i += PER_REQUEST) {
    let body = '';
    for (const e of events.slice(i, i + PER_REQUEST)) {
      if (prefix === '') body += JSON.stringify(e) + '\n';
      else if ('report' in e) body += JSON.stringify({ report: { ...e.report, id: prefix + String(e.report.id) } }) + '\n';
      else body += JSON.stringify({ post: { ...e.post, id: prefix + String(e.post.id) } }) + '\n';
    }
    out.push(body);
  }
  return out;
}

console.log(`ingest-day-lines: fb-2021-10-04 at ${scale}: ${events.length} events (${posts} posts), ${rounds} round(s)`);
const answers = createHash('sha256');
for (let round = 0; round < rounds; round++) {
  const list = bodies(round);
  if (round === 0) recording = { digests: new Map(), counts: new Map(), ...(outFile ? { out: createWriteStream(outFile) } : {}) };
  let accepted = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const payload of list) {
    const res = await app.inject({ method: 'POST', url: '/v1/events/batch', headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY, 'x-downradar-replay': '1' }, payload });
    if (res.statusCode !== 202) throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 300)}`);
    if (round === 0) answers.update(res.body);
    accepted += (JSON.parse(res.body) as { accepted: number }).accepted;
  }
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  console.log(`round ${round + 1}: ${accepted} accepted, ${((c.user + c.system) / events.length).toFixed(2)} µs CPU an event, ${ms.toFixed(0)} ms`);
  if (round === 0 && recording) {
    for (const [topic, d] of [...recording.digests].sort()) console.log(`  ${topic}: ${recording.counts.get(topic)} messages, sha256 ${d.digest('hex').slice(0, 32)}`);
    console.log(`  answers: sha256 ${answers.digest('hex').slice(0, 32)}`);
    recording.out?.end();
    recording = null;
  }
}
await app.close();
