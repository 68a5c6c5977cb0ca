/**
 * What nlp's `readPost` costs a post inside ingest's app on the e2e day's lines, warm, against the
 * same reading alone in the same process:
 *
 *   npx tsx bench/lib/ingest-read-post-cost.ts [scale] [pairs]
 *
 * The day's lines (as ingest-day-lines.ts sends them: `{"report": ...}` / `{"post": ...}`, 2,000 a
 * request) go through the real app (ingest-in-process.ts's wiring, a producer that acknowledges on
 * the next turn), each round with its ids prefixed so the dedupe set lets them through.
 * - Round 1 is the warm-up: nothing of it is counted. It keeps every post object ingest handed to
 *   readPost and every answer, by post id.
 * - Then `pairs` pairs of rounds through the app, each pair beside a round "alone" (those same
 *   post objects read back to back by the same understanding: µs of CPU a post, and the garbage
 *   collector's pauses in it; an upper figure: round 1's answers, kept for the "answered"
 *   rounds, stay in the heap, and the collector's pauses of the reading back to back were 2.2-2.7
 *   µs a post with them against 0.7-0.9 in a scratch copy without them), alternated (read,
 *   answered, alone; alone, answered, read; ...): "read" (readPost reads every post, as in
 *   production) and "answered" (readPost returns round 1's answer for the post id, no reading).
 *   The difference of their CPU, over the posts, is what reading a post adds to ingest's CPU
 *   inside the app (the reading, the garbage it leaves, whatever it does to the rest), beside the
 *   time measured around each call (wall clock: CPU when the process is not preempted) and the
 *   collector's pauses that began inside a call.
 * Answers are keyed by id only here, to take the reading out of a round; nothing is cached by text.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { createLogger, hashApiKey, loadApiKeys, reporterHasher, topicNames, type Producer } from '@downradar/common';
import { createUnderstanding } from '@downradar/nlp';
import { loadCatalog } from '../../schemas/catalog/index';
import type { PostEvent, SignalEvent } from '../../schemas/events/index';
import { buildApp } from '../../services/ingest/src/app';
import { generateEvents } from '../../services/replay/src/generator';
import { loadScenario } from '../../services/replay/src/scenario-loader';

const scale = Number(process.argv[2] ?? 0.02);
const pairs = Number(process.argv[3] ?? 2);
const NOW = 1_700_000_000_000;
const KEY = 'bench-read-post-key';
const PER_REQUEST = 2000;

const events: ({ report: Record<string, unknown> } | { post: Record<string, unknown> })[] = [];
for (const e of generateEvents(loadScenario('fb-2021-10-04'), { scale })) events.push(e.kind === 'report' ? { report: e.report } : { post: e.post });
const postCount = events.filter((e) => 'post' in e).length;

// The collector's pauses (start, duration in ms), as the runtime reports them.
const pauses: { start: number; ms: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration });
}).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((r) => setTimeout(r, 50));

type Answer = { language: string; signals: SignalEvent[] };
const catalog = loadCatalog();
const nlp = createUnderstanding({ catalog });
let mode: 'warm-up' | 'read' | 'answered' = 'warm-up';
const kept: PostEvent[] = [];
const answers = new Map<string, Answer>();
// Each call's start and end (performance.now(), ms) in a "read" round.
let calls = 0;
const callStart = new Float64Array(postCount);
const callEnd = new Float64Array(postCount);
const ownId = (id: string) => id.slice(id.indexOf('-') + 1);

function readPost(p: PostEvent): Answer {
  if (mode === 'answered') return answers.get(ownId(p.id))!;
  if (mode === 'warm-up') {
    const a = nlp.readPost(p, p.receivedAt);
    kept.push(p);
    answers.set(ownId(p.id), a);
    return a;
  }
  callStart[calls] = performance.now();
  const a = nlp.readPost(p, p.receivedAt);
  callEnd[calls++] = performance.now();
  return a;
}

const producer: Producer = {
  send: () => new Promise((resolve) => setImmediate(resolve)),
  connect: async () => undefined,
  close: async () => undefined,
  stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
};
const app = await buildApp({
  options: { reportsPerIpPerMinute: 1e9, reportsPerReporterPer15Min: 1e6, batchMaxLines: 10_000, batchMaxBytes: 16 << 20, produceTimeoutMs: 60_000, maxEventLoopDelayMs: 600_000, trustProxy: false },
  producer,
  topics: topicNames('day'),
  understanding: { signalForReport: (r) => nlp.signalForReport(r), readPost },
  services: { problemsOf: (id) => catalog.get(id)?.problems },
  hashReporter: reporterHasher('bench-salt'),
  apiKeys: loadApiKeys({ hashes: [`${hashApiKey(KEY)}:feed`] }),
  logger: createLogger('bench', 'warn'),
  registry: new Registry(),
  kafkaReady: async () => true,
  now: () => NOW,
});
await app.ready();

function bodies(round: number): string[] {
  const out: string[] = [];
  const prefix = `r${round}-`;
  for (let i = 0; i < events.length; i += PER_REQUEST) {
    let body = '';
    for (const e of events.slice(i, i + PER_REQUEST))
      body += JSON.stringify('report' in e ? { report: { ...e.report, id: prefix + String(e.report.id) } } : { post: { ...e.post, id: prefix + String(e.post.id) } }) + '\n';
    out.push(body);
  }
  return out;
}

/** One round of the day through the app: µs of CPU an event, the collector's pauses, the calls' own time. */
async function round(r: number): Promise<number> {
  const list = bodies(r);
  calls = 0;
  pauses.length = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const payload of list) {
    const res = await app.inject({ method: 'POST', url: '/v1/events/batch', headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY, 'x-downradar-replay': '1' }, payload });
    if (res.statusCode !== 202) throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 300)}`);
  }
  const c = process.cpuUsage(c0);
  const t1 = performance.now();
  await settle();
  const cpuUs = c.user + c.system;
  let gcMs = 0;
  let gcInsideMs = 0;
  let j = 0;
  for (const g of pauses) {
    if (g.start < t0 || g.start > t1) continue;
    gcMs += g.ms;
    while (j < calls && callEnd[j]! < g.start) j++;
    if (j < calls && callStart[j]! <= g.start) gcInsideMs += g.ms;
  }
  let insideMs = 0;
  for (let k = 0; k < calls; k++) insideMs += callEnd[k]! - callStart[k]!;
  console.log(
    `round ${r + 1} (${mode}): ${(cpuUs / events.length).toFixed(2)} µs CPU an event, ${(cpuUs / 1e6).toFixed(2)} CPU s; gc pauses ${((gcMs * 1000) / events.length).toFixed(2)} µs an event` +
      (mode === 'read' ? `; inside readPost ${((insideMs * 1000) / calls).toFixed(2)} µs a post, of it gc pauses ${((gcInsideMs * 1000) / calls).toFixed(2)}` : ''),
  );
  return cpuUs;
}

console.log(`ingest-read-post-cost: fb-2021-10-04 at ${scale}: ${events.length} events (${postCount} posts), a warm-up round, then ${pairs} pair(s) of rounds and a round alone each`);
await round(0);
if (kept.length !== postCount) throw new Error(`kept ${kept.length} posts of ${postCount}`);
mode = 'read';
/** The kept posts read back to back by the same understanding: µs of CPU a post. */
async function alone(): Promise<number> {
  pauses.length = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let signals = 0;
  for (const p of kept) signals += nlp.readPost(p, p.receivedAt).signals.length;
  const c = process.cpuUsage(c0);
  const t1 = performance.now();
  await settle();
  const gcMs = pauses.filter((g) => g.start >= t0 && g.start <= t1).reduce((s, g) => s + g.ms, 0);
  const us = (c.user + c.system) / kept.length;
  console.log(`alone: ${us.toFixed(2)} µs CPU a post, gc pauses ${((gcMs * 1000) / kept.length).toFixed(2)} µs a post (${signals} signals)`);
  return us;
}
const added: number[] = [];
const soloUs: number[] = [];
for (let p = 0; p < pairs; p++) {
  // read then answered, answered then read: alternated so a drift of the machine falls on both sides
  const order: ('read' | 'answered')[] = p % 2 === 0 ? ['read', 'answered'] : ['answered', 'read'];
  const cpu: Record<string, number> = {};
  if (p % 2 === 1) soloUs.push(await alone());
  for (const [k, m] of order.entries()) {
    mode = m;
    cpu[m] = await round(1 + 2 * p + k);
  }
  if (p % 2 === 0) soloUs.push(await alone());
  added.push((cpu.read! - cpu.answered!) / postCount);
  console.log(`pair ${p + 1}: reading adds ${added[added.length - 1]!.toFixed(2)} µs of ingest's CPU a post; alone ${soloUs[soloUs.length - 1]!.toFixed(2)}`);
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};
console.log(`reading a post: adds ${median(added).toFixed(2)} µs of ingest's CPU inside the app, ${median(soloUs).toFixed(2)} alone (medians of ${pairs})`);
await app.close();
