/**
 * npm run replay -- --scenario fb-2021-10-04 --speed 60 --target http|kafka|none
 *                   [--scale 0.01] [--from ISO --to ISO] [--seed N] [--ingest-url URL] [--api-key KEY]
 *                   [--brokers host:port,...] [--topic-prefix P] [--batch-size N] [--partitions N] [--signals auto|on|off]
 *                   [--quiet] [--json]
 * npm run replay -- --list            scenarios with their span, incidents and expected volume
 * npm run replay -- --write-labels    regenerate <id>.labels.json beside every scenario (or the ids given)
 *
 * Progress goes to stderr; with --json the summary is printed to stdout as one JSON object.
 * Ctrl-C stops cleanly: what was generated is sent, the summary printed (exit 130); a second
 * Ctrl-C quits at once.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compilePlan, expectedTotals } from './plan';
import { writeLabels } from './labels';
import { runReplay, type ReplayProgress, type ReplaySummary, type Speed } from './replay';
import { listScenarios, loadScenario, ScenarioError } from './scenario-loader';

const HELP = `downradar replay: scenario events into the ingest API or Kafka, paced by event time

  npm run replay -- --scenario <id|file> [options]
  npm run replay -- --list
  npm run replay -- --write-labels [id ...]

options
  --scenario ID|FILE   a scenario of services/replay/scenarios (see --list) or a JSON file
  --target T           http (ingest API, default), kafka (topics directly, with signals), none (generate only)
  --speed S            1 = real time (default), 60 = one hour per minute, max = as fast as possible
  --scale X            multiply every rate (default: the scenario's defaultScale; 0.001 .. 1 for fb-2021-10-04)
  --from ISO --to ISO  event-time slice (default: the whole scenario)
  --seed N             another random seed (default: the scenario's)
  --ingest-url URL     default $DOWNRADAR_INGEST_URL or http://127.0.0.1:8081
  --api-key KEY        default $DOWNRADAR_API_KEY (npm run apikey makes one)
  --brokers LIST       default $DOWNRADAR_KAFKA_BROKERS or 127.0.0.1:9092
  --topic-prefix P     default $DOWNRADAR_TOPIC_PREFIX or downradar
  --batch-size N       events per batch (default 2000)
  --max-disorder-ms N  most emission time an event may be written behind a later one (default 5000,
                       a third of the detector's allowed lateness): bounds the batches in flight at
                       once to the ingest API, and the Kafka target's signal batches
  --partitions N       http target: the signals topic's partition count (default
                       $DOWNRADAR_KAFKA_PARTITIONS): each batch goes as one request per partition,
                       one request in flight per partition, so several ingest processes work at
                       once and each partition is written in emission order
  --signals MODE       kafka target: auto (write signals when @downradar/nlp provides them), on, off
  --quiet              no progress line
  --json               print the summary as JSON on stdout
`;

class UsageError extends Error {}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const isoMinute = (ms: number) => new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');

function parseSpeed(raw: string): Speed {
  if (raw === 'max') return 'max';
  const n = Number(raw);
  if (!(n > 0)) throw new UsageError(`--speed must be a positive number or "max" (got "${raw}")`);
  return n;
}

function parseNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got "${raw}")`);
  return n;
}

function parseTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} must be an ISO time like 2021-10-04T15:00:00Z (got "${raw}")`);
  return ms;
}

function progressLine(p: ReplayProgress): string {
  const width = 20;
  const filled = Math.round(p.fraction * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const total = p.reports + p.posts;
  const late = total > 0 ? ((100 * p.late) / total).toFixed(1) : '0.0';
  return (
    `replay ${p.scenarioId} [${bar}] ${(p.fraction * 100).toFixed(0).padStart(3)}% | event time ${isoMinute(p.eventTime)} | ` +
    `${fmt(p.rate)} ev/s | reports ${fmt(p.reports)} | posts ${fmt(p.posts)} | late ${late}% | sent ${fmt(p.sent)}`
  );
}

function summaryText(s: ReplaySummary): string {
  const generated = s.reports + s.posts;
  const targetStats = Object.entries(s.targetStats)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const lines = [
    `replay ${s.scenarioId} ${s.stopped ? 'stopped by Ctrl-C' : 'done'}`,
    `  target      ${s.target}${targetStats ? ` (${targetStats})` : ''}`,
    `  events      ${fmt(s.sent)} sent of ${fmt(generated)} generated (reports ${fmt(s.reports)}, posts ${fmt(s.posts)}, late ${generated ? ((100 * s.late) / generated).toFixed(1) : '0.0'}%) in ${fmt(s.batches)} batches`,
    `  event time  ${s.from} .. ${s.to}, reached ${new Date(s.eventTime).toISOString()}`,
    `  duration    ${(s.durationMs / 1000).toFixed(1)} s, ${fmt(s.eventsPerSecond)} events/s (speed ${s.speed === 'max' ? 'max' : `${s.speed}x`}, scale ${s.scale}, seed ${s.seed})`,
  ];
  for (const n of s.notes) lines.push(`  note        ${n}`);
  return lines.join('\n');
}

function listText(): string {
  const rows = listScenarios().map((id) => {
    const s = loadScenario(id);
    const e = expectedTotals(compilePlan(s, { scale: s.defaultScale }));
    const incidents = s.incidents.map((i) => i.id).join(', ') || '(none)';
    return `${id.padEnd(18)} ${s.start} .. ${s.end}  scale ${String(s.defaultScale).padEnd(5)} ~${fmt(e.reports + e.posts)} events  incidents: ${incidents}\n${''.padEnd(19)}${s.title}`;
  });
  return rows.join('\n');
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scenario: { type: 'string' },
      target: { type: 'string', default: 'http' },
      speed: { type: 'string', default: '1' },
      scale: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      seed: { type: 'string' },
      'ingest-url': { type: 'string' },
      'api-key': { type: 'string' },
      brokers: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'batch-size': { type: 'string' },
      'max-disorder-ms': { type: 'string' },
      partitions: { type: 'string' },
      signals: { type: 'string', default: 'auto' },
      quiet: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      'write-labels': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.list) {
    process.stdout.write(listText() + '\n');
    return 0;
  }
  if (values['write-labels']) {
    const ids = positionals.length ? positionals : listScenarios();
    for (const id of ids) process.stderr.write(`labels: wrote ${writeLabels(loadScenario(id))}\n`);
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.scenario) throw new UsageError('--scenario is required (npm run replay -- --list shows them)');
  const target = values.target;
  if (target !== 'http' && target !== 'kafka' && target !== 'none') throw new UsageError(`--target must be http, kafka or none (got "${target}")`);
  const signals = values.signals;
  if (signals !== 'auto' && signals !== 'on' && signals !== 'off') throw new UsageError(`--signals must be auto, on or off (got "${signals}")`);
  const batchSize = parseNumber('batch-size', values['batch-size']);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) throw new UsageError('--batch-size must be a positive integer');
  const maxDisorderMs = parseNumber('max-disorder-ms', values['max-disorder-ms']);
  if (maxDisorderMs !== undefined && !(maxDisorderMs >= 0)) throw new UsageError('--max-disorder-ms must be a number >= 0');
  const partitions = parseNumber('partitions', values.partitions ?? process.env.DOWNRADAR_KAFKA_PARTITIONS);
  if (partitions !== undefined && !(Number.isInteger(partitions) && partitions > 0)) throw new UsageError('--partitions must be a positive integer');
  const scale = parseNumber('scale', values.scale);
  if (scale !== undefined && !(scale > 0)) throw new UsageError('--scale must be positive');
  const seed = parseNumber('seed', values.seed);
  const env = process.env;

  const controller = new AbortController();
  // The first SIGINT or SIGTERM stops generating; the same signal again quits at once. Only the
  // same one: under npm run demo a Ctrl-C reaches the replay from the terminal (SIGINT) and
  // then from the demo stopping it (SIGTERM), which is one request, not two.
  let stoppingOn: string | undefined;
  const onSignal = (signal: string) => {
    if (stoppingOn === signal) {
      process.stderr.write('\nreplay: quitting now\n');
      process.exit(130);
    }
    if (stoppingOn !== undefined) return;
    stoppingOn = signal;
    process.stderr.write('\nreplay: stopping, sending what was generated (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  const onProgress = values.quiet
    ? undefined
    : (p: ReplayProgress) => {
        if (tty) process.stderr.write(`\r\x1b[2K${progressLine(p)}`);
        else if (p.elapsedMs - lastPrinted >= 10_000 || p.fraction >= 1) {
          lastPrinted = p.elapsedMs;
          process.stderr.write(progressLine(p) + '\n');
        }
      };
  const onNote = (line: string) => process.stderr.write(`${tty && !values.quiet ? '\n' : ''}replay: ${line}\n`);

  const from = parseTime('from', values.from);
  const to = parseTime('to', values.to);
  const summary = await runReplay({
    scenario: values.scenario,
    target,
    speed: parseSpeed(values.speed),
    ...(scale !== undefined ? { scale } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(maxDisorderMs !== undefined ? { maxDisorderMs } : {}),
    ...(partitions !== undefined ? { partitions } : {}),
    ingestUrl: values['ingest-url'] ?? env.DOWNRADAR_INGEST_URL ?? 'http://127.0.0.1:8081',
    ...((values['api-key'] ?? env.DOWNRADAR_API_KEY) ? { apiKey: values['api-key'] ?? env.DOWNRADAR_API_KEY } : {}),
    brokers: (values.brokers ?? env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
    topicPrefix: values['topic-prefix'] ?? env.DOWNRADAR_TOPIC_PREFIX ?? 'downradar',
    signals,
    signal: controller.signal,
    ...(onProgress ? { onProgress } : {}),
    onNote,
  });
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  if (tty && onProgress) process.stderr.write('\n');
  process.stderr.write(summaryText(summary) + '\n');
  if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
  return summary.stopped ? 130 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof ScenarioError || err instanceof RangeError) {
        process.stderr.write(`replay: ${err.message}\n`);
        if (err instanceof UsageError) process.stderr.write('(npm run replay -- --help)\n');
      } else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`replay: ${(err as Error).message}\n(npm run replay -- --help)\n`);
      } else {
        process.stderr.write(`replay: failed: ${(err as Error).message ?? String(err)}\n`);
      }
      process.exit(1);
    },
  );
}
