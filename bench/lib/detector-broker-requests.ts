/**
 * What the broker is asked, by request type and by client, while a command runs: a diagnostic
 * for the broker's per-request cost (issue 17; services/detector README, "What the live detector
 * costs the broker").
 *
 *   npx tsx bench/lib/detector-broker-requests.ts -- <command ...>
 *   npx tsx bench/lib/detector-broker-requests.ts --count <broker.log> <fromByte> [toByte]
 *
 * Turns the broker's request logger (`kafka.request.logger`) to DEBUG through Kafka's own
 * ConfigCommand (a dynamic broker-logger setting: nothing restarts, nothing is stored), runs the
 * command, turns it back to WARN, then reads the broker's log from where it was before the
 * command: one "Completed request:" JSON line a request, with its header (API key, client id)
 * and the broker's times. Prints, per client (the client id with the bench's random parts cut)
 * and API (a fetch also by the topics it reads): requests, requests a second, the broker's local
 * time (ms in its handler threads), and for fetches the record bytes returned, how many came back
 * with none, and the settings they asked with (maxWaitMs, minBytes).
 *
 * The request log itself costs the broker CPU: use it to count, not to time. Needs the stack
 * up (this checkout's env) and Kafka's tools (`bash infra/kafka/kafka.sh tools`, assembled on
 * first use).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..');
const DATA = process.env.DOWNRADAR_DATA_DIR ?? join(REPO, '.data');
const LOG = join(DATA, 'kafka', 'broker.log');
const BROKER = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0]!;

/** Kafka's API keys (the ones a downradar stack uses, and a few more). */
const API: Record<number, string> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator',
  11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup', 15: 'DescribeGroups', 16: 'ListGroups', 18: 'ApiVersions',
  19: 'CreateTopics', 20: 'DeleteTopics', 22: 'InitProducerId', 24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn',
  27: 'WriteTxnMarkers', 28: 'TxnOffsetCommit', 32: 'DescribeConfigs', 33: 'AlterConfigs', 37: 'CreatePartitions',
  44: 'IncrementalAlterConfigs', 52: 'Vote', 55: 'DescribeQuorum', 60: 'DescribeCluster', 62: 'BrokerRegistration', 63: 'BrokerHeartbeat',
  67: 'AllocateProducerIds', 68: 'ConsumerGroupHeartbeat',
};

function toolsDir(): string {
  return execFileSync('bash', [join(REPO, 'infra/kafka/kafka.sh'), 'tools'], { encoding: 'utf8' }).trim().split('\n').pop()!;
}

function setRequestLogger(level: 'DEBUG' | 'WARN'): void {
  const cp = `${toolsDir()}/*`;
  const r = spawnSync(
    'java',
    ['-XX:TieredStopAtLevel=1', '-cp', cp, 'org.apache.kafka.tools.ConfigCommand', '--bootstrap-server', BROKER, '--entity-type', 'broker-loggers', '--entity-name', process.env.DOWNRADAR_KAFKA_NODE_ID ?? '1', '--alter', '--add-config', `kafka.request.logger=${level}`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ConfigCommand failed (${r.status}): ${r.stderr}`);
}

interface Row {
  requests: number;
  localMs: number;
  totalMs: number;
  recordBytes: number;
  emptyFetches: number;
  waits: Map<string, number>;
  firstMs: number;
  lastMs: number;
}

/** The client id without the bench's random parts (bench-e2e-1a2b3c4d -> bench-e2e-*). */
function clientOf(id: string): string {
  return id.replace(/[0-9a-f]{8,}/g, '*');
}

export function countRequests(file: string, from: number, to: number): Map<string, Row> {
  const fd = openSync(file, 'r');
  const rows = new Map<string, Row>();
  try {
    const chunk = Buffer.alloc(1 << 22);
    let pos = from;
    let rest = '';
    while (pos < to) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, to - pos), pos);
      if (n <= 0) break;
      pos += n;
      const lines = (rest + chunk.toString('utf8', 0, n)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) add(rows, line);
    }
    if (rest) add(rows, rest);
  } finally {
    closeSync(fd);
  }
  return rows;
}

function add(rows: Map<string, Row>, line: string): void {
  const at = line.indexOf('Completed request:');
  if (at < 0) return;
  const jsonEnd = line.lastIndexOf('}');
  let j: {
    requestHeader?: { requestApiKey?: number; clientId?: string };
    request?: { maxWaitMs?: number; minBytes?: number; topics?: { topic?: string }[] };
    response?: { responses?: { partitions?: { recordsSizeInBytes?: number }[] }[] };
    localTimeMs?: number;
    totalTimeMs?: number;
  };
  try {
    j = JSON.parse(line.slice(at + 'Completed request:'.length, jsonEnd + 1));
  } catch {
    return;
  }
  const key = j.requestHeader?.requestApiKey ?? -1;
  let api = API[key] ?? `api${key}`;
  // A fetch is named by the topics it reads (without the bench's prefix): two consumers of one
  // client (the detector's stages) tell apart.
  if (key === 1) api += `[${[...new Set((j.request?.topics ?? []).map((t) => (t.topic ?? '?').replace(/^.*\./, '')))].sort().join(',')}]`;
  const client = clientOf(j.requestHeader?.clientId ?? '?');
  const id = `${client}\t${api}`;
  let r = rows.get(id);
  const ts = Date.parse(line.slice(1, line.indexOf(']')).replace(',', '.'));
  if (r === undefined) rows.set(id, (r = { requests: 0, localMs: 0, totalMs: 0, recordBytes: 0, emptyFetches: 0, waits: new Map(), firstMs: ts, lastMs: ts }));
  r.requests++;
  r.localMs += j.localTimeMs ?? 0;
  r.totalMs += j.totalTimeMs ?? 0;
  let records = 0;
  for (const t of j.response?.responses ?? []) for (const p of t.partitions ?? []) records += p.recordsSizeInBytes ?? 0;
  r.recordBytes += records;
  if (Number.isFinite(ts)) r.lastMs = ts;
  if (key === 1) {
    const w = `${j.request?.maxWaitMs ?? '?'}ms/${j.request?.minBytes ?? '?'}B`;
    r.waits.set(w, (r.waits.get(w) ?? 0) + 1);
    if (records === 0) r.emptyFetches++;
  }
}

export function printRows(rows: Map<string, Row>, seconds: number): void {
  const sorted = [...rows].sort((a, b) => b[1].requests - a[1].requests);
  let total = 0;
  let localMs = 0;
  for (const [, r] of sorted) {
    total += r.requests;
    localMs += r.localMs;
  }
  console.log(`requests ${total} in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s); broker local time ${(localMs / 1000).toFixed(1)} s`);
  console.log('client\tapi\trequests\tper_s\tlocal_ms\tmean_total_ms\trecords_kb\tempty_fetches\tfetch_settings');
  for (const [id, r] of sorted) {
    const waits = [...r.waits].map(([w, n]) => `${w} x${n}`).join(' ');
    console.log(
      [id, r.requests, (r.requests / seconds).toFixed(1), r.localMs.toFixed(0), (r.totalMs / r.requests).toFixed(1), (r.recordBytes / 1024).toFixed(0), r.waits.size ? r.emptyFetches : '', waits].join('\t'),
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args[0] === '--count') {
    const file = args[1]!;
    const from = Number(args[2] ?? 0);
    const to = Number(args[3] ?? statSync(file).size);
    const rows = countRequests(file, from, to);
    let first = Infinity;
    let last = -Infinity;
    for (const r of rows.values()) {
      first = Math.min(first, r.firstMs);
      last = Math.max(last, r.lastMs);
    }
    printRows(rows, Math.max(1, (last - first) / 1000));
    return;
  }
  if (args.length === 0) throw new Error('usage: detector-broker-requests.ts -- <command ...> | --count <broker.log> <from> [to]');
  setRequestLogger('DEBUG');
  const from = statSync(LOG).size;
  const t0 = Date.now();
  let status: number | null = null;
  try {
    status = spawnSync(args[0]!, args.slice(1), { stdio: 'inherit' }).status;
  } finally {
    setRequestLogger('WARN');
  }
  const seconds = (Date.now() - t0) / 1000;
  const to = statSync(LOG).size;
  console.log(`broker.log ${from}..${to} (${((to - from) / 1e6).toFixed(0)} MB); the command exited ${status}`);
  printRows(countRequests(LOG, from, to), seconds);
}

await main();
