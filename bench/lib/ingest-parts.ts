/**
 * The per-report parts of ingest's NDJSON path that session 8 replaced, each beside what it
 * replaced, in one process, alternated, medians of 3 (prints only):
 *
 *   npx tsx bench/lib/ingest-parts.ts
 *
 *  - kafkajs' grouping of a request's messages by partition (its own, compiled from its file,
 *    against services/common/src/kafka/kafkajs-speedups.ts), a request of 10,000 report messages
 *    on 6 partitions
 *  - kafkajs' record encoder (its own against kafkajs-speedups.ts), a report's key and JSON value
 *  - kafkajs' CRC-32C of a record batch (its own against kafkajs-speedups.ts), per message of a
 *    partition's batch of 1,667 report messages
 *  - a report's hashtags: tokenising its text (before) against signalForReport's '#' test
 *  - the reporter HMAC: createHmac (before) against reporterHasher (session 10: SHA-256 in
 *    JavaScript over the key's precomputed pad states; session 9's two one-shot crypto.hash
 *    calls are printed beside it)
 *  - a report's signal on the signals topic, as ingest writes it: JSON.stringify, then the JSON
 *    batches of one service (produce.ts today), against the binary (Avro) batches of the same
 *    signals objects (signal-codec.ts; the detector and the sink read both). A measurement for
 *    produce.ts, which ingest does not use yet
 *  - a batch line's report, parsed: the schema check (ajv) then toReportEvent (before) against
 *    steps.ts reportLineStep's one pass (session 9)
 * Each as µs of CPU (process.cpuUsage) a report or message.
 */
import { createHash, createHmac, hash } from 'node:crypto';
import { kafkajsOwn } from '../../services/common/src/kafka/kafkajs-modules';
import { reporterHasher } from '@downradar/common';
import { crc32C, encodeRecord, groupMessagesPerPartition } from '../../services/common/src/kafka/kafkajs-speedups';
import { serializedSignalMessages, slicedSignalMessages } from '../../services/common/src/kafka/signal-messages';
import { createUnderstanding, tokenise } from '@downradar/nlp';
import { loadCatalog } from '../../schemas/catalog/index';
import type { ReportEvent } from '../../schemas/events/index';
import { median } from '@downradar/common/bench-results';
import { compileValidator } from '@downradar/common';
import { ReportInput } from '../../schemas/events/index';
import { reportLineStep, toReportEvent } from '../../services/ingest/src/steps';
import { loadAverage } from './peers';

const ownGrouping = kafkajsOwn<typeof groupMessagesPerPartition>('kafkajs/src/producer/groupMessagesPerPartition');
const ownRecord = kafkajsOwn<typeof encodeRecord>('kafkajs/src/protocol/recordBatch/record/v0');
const ownCrc = kafkajsOwn<typeof crc32C>('kafkajs/src/protocol/recordBatch/crc32C');

const SERVICES = ['facebook', 'instagram', 'whatsapp', 'messenger', 'twitter', 'youtube', 'netflix', 'telegram'];
const now = Date.now();
const reports: ReportEvent[] = Array.from({ length: 10_000 }, (_, i) => ({
  id: `b0-${1_000_000 + i}`,
  serviceId: SERVICES[i % SERVICES.length]!,
  problem: 'app',
  at: now,
  receivedAt: now,
  reporterHash: 'f'.repeat(32),
  source: 'api',
  text: 'app keeps crashing since this afternoon',
  country: 'US',
}));
const messages = reports.map((r, i) => ({ key: r.serviceId, value: JSON.stringify(r), partition: i % 6 }));
/** One partition's share of the request's records, as the bytes a CRC covers. */
const batch = Buffer.concat(messages.slice(0, messages.length / 6).map((m, i) => encodeRecord({ key: m.key, value: m.value, offsetDelta: i }).buffer));
const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 0 }));
const partitioner = ({ message }: { message: unknown }) => (message as { partition: number }).partition;
const loadedCatalog = loadCatalog();
const understanding = createUnderstanding({ catalog: loadedCatalog });
const salt = 'ab'.repeat(32);
const hasher = reporterHasher(salt);
/** Session 9's reporterHasher: the pads prepared once, two one-shot crypto.hash calls a reporter. */
function oneShotHasher(key: string): (id: string) => string {
  let k = Buffer.from(key, 'utf8');
  if (k.length > 64) k = createHash('sha256').update(k).digest();
  const ipad = Buffer.alloc(64, 0x36);
  const opad = Buffer.alloc(96, 0);
  opad.fill(0x5c, 0, 64);
  for (let i = 0; i < k.length; i++) {
    ipad[i]! ^= k[i]!;
    opad[i]! ^= k[i]!;
  }
  let inner = Buffer.alloc(320);
  ipad.copy(inner);
  return (id) => {
    if (64 + Buffer.byteLength(id, 'utf8') > inner.length) {
      inner = Buffer.alloc(2 * (64 + Buffer.byteLength(id, 'utf8')));
      ipad.copy(inner);
    }
    const n = inner.write(id, 64, 'utf8');
    hash('sha256', inner.subarray(0, 64 + n), 'buffer').copy(opad, 64);
    return hash('sha256', opad, 'hex').slice(0, 32);
  };
}
const oneShot = oneShotHasher(salt);
/** One request's signals of one service (5,000 reports over 8 services), as ingest makes them. */
const reportSignals = reports.slice(0, 5000).filter((r) => r.serviceId === 'facebook').map((r, i) => understanding.signalForReport({ ...r, reporterHash: hasher(`reporter-${i}`) }));

const ids = reports.map((_, i) => `reporter-${i}`);
const PROBLEMS = ['app', 'server_connection', 'other'];
const lineValues = reports.map((r, i) => JSON.parse(JSON.stringify({ id: r.id, serviceId: r.serviceId, problem: PROBLEMS[i % 3], reporterId: ids[i], country: 'US', text: r.text })) as unknown);
const services = { problemsOf: (id: string) => loadedCatalog.get(id)?.problems };
const checkInput = compileValidator(ReportInput);
const oneLine = reportLineStep({ services, hashReporter: hasher });
const generalLine = (v: unknown) => {
  const c = checkInput(v);
  if (!c.ok) throw new Error(c.reason);
  return toReportEvent(c.value, { now, services, hashReporter: hasher, source: 'api', replay: false });
};

/** µs of CPU per item of `f` over `items` items, repeated until at least 200 ms. */
function cpuUs(items: number, f: () => void): number {
  let n = 0;
  const t0 = process.cpuUsage();
  let used = 0;
  while (used < 200_000) {
    f();
    n++;
    const d = process.cpuUsage(t0);
    used = d.user + d.system;
  }
  return used / (n * items);
}

const parts: Record<string, [() => number, () => number]> = {
  'grouping by partition, a message (10,000 a request)': [
    () => cpuUs(messages.length, () => ownGrouping({ topic: 't', partitionMetadata, messages, partitioner })),
    () => cpuUs(messages.length, () => groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner })),
  ],
  'record encoding, a message': [
    () => cpuUs(messages.length, () => messages.forEach((m, i) => ownRecord({ key: m.key, value: m.value, offsetDelta: i, timestampDelta: 0 }).buffer)),
    () => cpuUs(messages.length, () => messages.forEach((m, i) => encodeRecord({ key: m.key, value: m.value, offsetDelta: i, timestampDelta: 0 }).buffer)),
  ],
  'record batch CRC-32C, a message': [
    () => cpuUs(messages.length / 6, () => ownCrc(batch)),
    () => cpuUs(messages.length / 6, () => crc32C(batch)),
  ],
  "a report's hashtags (a text without '#')": [
    () => cpuUs(reports.length, () => reports.forEach((r) => tokenise(r.text!).hashtags.slice(0, 50))),
    () => cpuUs(reports.length, () => reports.forEach((r) => understanding.signalForReport(r).hashtags)),
  ],
  'reporter HMAC': [
    () => cpuUs(ids.length, () => ids.forEach((id) => createHmac('sha256', salt).update(id, 'utf8').digest('hex').slice(0, 32))),
    () => cpuUs(ids.length, () => ids.forEach((id) => hasher(id))),
  ],
  'reporter HMAC, two one-shot crypto.hash calls (session 9) -> reporterHasher': [
    () => cpuUs(ids.length, () => ids.forEach((id) => oneShot(id))),
    () => cpuUs(ids.length, () => ids.forEach((id) => hasher(id))),
  ],
  "a report's signal into one service's signal batches, JSON -> binary": [
    () => cpuUs(reportSignals.length, () => serializedSignalMessages('s', reportSignals.map((s) => ({ serviceId: s.serviceId, json: JSON.stringify(s) })))),
    () => cpuUs(reportSignals.length, () => slicedSignalMessages('s', reportSignals.map((s) => ({ serviceId: s.serviceId, signal: s })))),
  ],
  "a batch line's report, checked and shaped (the HMAC included)": [
    () => cpuUs(lineValues.length, () => lineValues.forEach((v) => generalLine(v))),
    () => cpuUs(lineValues.length, () => lineValues.forEach((v) => oneLine(v, now, false))),
  ],
};

console.log(`ingest parts, load ${loadAverage()}: µs of CPU, before -> after (medians of 3, alternated)`);
for (const [name, [before, after]] of Object.entries(parts)) {
  before();
  after(); // warm both
  const b: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < 3; i++) {
    b.push(before());
    a.push(after());
  }
  const mb = median(b);
  const ma = median(a);
  console.log(`  ${name}: ${mb.toFixed(3)} -> ${ma.toFixed(3)} (saves ${(mb - ma).toFixed(2)} µs, ${(mb / ma).toFixed(1)}x)`);
}
console.log(`load ${loadAverage()}`);
