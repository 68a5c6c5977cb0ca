/**
 * What the detector writes to its state topic while a bench runs: run beside `npm run bench:e2e`
 * (or bench:detector) with the same DOWNRADAR_KAFKA_BROKERS. It waits for the first topic named
 * `<prefix>.detector-state` whose prefix matches DOWNRADAR_CENSUS_PREFIX (a regular expression,
 * default `^bench-e2e-`), reads it (committed records only) and the windows topic until the topic
 * is deleted or the detector's /metrics (DOWNRADAR_DETECTOR_PORT) stops answering (the bench's end) or SIGINT, and prints per key class the records and bytes:
 *   p<N>/offset   one per scoring transaction that consumed signals (the offset changes every one)
 *   p<N>/service: a service's scorer and open windows; p<N>/dedupe: a dedupe base, ~<k> a delta
 *   incidents     the incident stage's checkpoint, one per incident transaction that changed it
 * `npx tsx bench/lib/detector-state-census.ts` (prints only).
 */
import { createKafka } from '@downradar/common';

const pattern = new RegExp(process.env.DOWNRADAR_CENSUS_PREFIX ?? '^bench-e2e-');
const kafka = createKafka({ brokers: (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'detector-state-census' });
const admin = kafka.admin();

function classOf(key: string): string {
  const k = key.replace(/^p\d+\//, 'p*/').replace(/^trends@[^/]*\//, 'trends@*/');
  if (/#\d+$/.test(k)) return `${k.replace(/:[^#]*#\d+$/, ':')}#part`;
  if (/^p\*\/dedupe:.*~\d+$/.test(k)) return 'p*/dedupe:~delta';
  if (/^trends@\*\/trend-sources~\d+$/.test(k)) return 'trends@*/trend-sources~delta';
  return k.replace(/^(p\*\/(?:service|dedupe):).*$/, '$1');
}

async function main(): Promise<void> {
  await admin.connect();
  // The bench's topics exist once its detector answers (an earlier run's may linger before that).
  const metricsUrl = `http://127.0.0.1:${process.env.DOWNRADAR_DETECTOR_PORT ?? 8084}/metrics`;
  while ((await fetch(metricsUrl).then((r) => r.ok).catch(() => false)) === false) await new Promise((r) => setTimeout(r, 200));
  let stateTopic: string | undefined;
  while (stateTopic === undefined) {
    stateTopic = (await admin.listTopics()).find((t) => t.endsWith('.detector-state') && pattern.test(t));
    if (stateTopic === undefined) await new Promise((r) => setTimeout(r, 200));
  }
  const prefix = stateTopic.slice(0, -'.detector-state'.length);
  const windowsTopic = `${prefix}.detector-windows`;
  console.log(`census of ${stateTopic} and ${windowsTopic}`);
  const byClass = new Map<string, { n: number; bytes: number; tombstones: number }>();
  const byTopic = new Map<string, { n: number; bytes: number }>();
  const t0 = Date.now();
  const consumer = kafka.consumer({ groupId: `census-${Date.now()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [stateTopic, windowsTopic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const bytes = (message.value?.length ?? 0) + (message.key?.length ?? 0);
      const t = byTopic.get(topic) ?? { n: 0, bytes: 0 };
      t.n++;
      t.bytes += bytes;
      byTopic.set(topic, t);
      if (topic !== stateTopic) return;
      const c = classOf(message.key?.toString('utf8') ?? '');
      const e = byClass.get(c) ?? { n: 0, bytes: 0, tombstones: 0 };
      e.n++;
      e.bytes += bytes;
      if (message.value === null) e.tombstones++;
      byClass.set(c, e);
    },
  });
  let lastMetrics = '';
  const report = () => {
    const s = (Date.now() - t0) / 1000;
    console.log(`after ${s.toFixed(0)} s:`);
    for (const [topic, t] of byTopic) console.log(`  topic ${topic}: ${t.n} records, ${(t.bytes / 1e6).toFixed(2)} MB`);
    for (const [c, e] of [...byClass].sort((a, b) => b[1].bytes - a[1].bytes)) {
      console.log(`  ${c.padEnd(22)} ${String(e.n).padStart(8)} records ${(e.bytes / 1e6).toFixed(2).padStart(8)} MB  avg ${Math.round(e.bytes / e.n)} B${e.tombstones ? `, ${e.tombstones} tombstones` : ''}`);
    }
  };
  const stop = async () => {
    report();
    console.log(lastMetrics);
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  // The detector's own counters (its /metrics, polled: the bench stops it before the topic goes).
  let seenDetector = false;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const text = await fetch(metricsUrl).then((r) => r.text()).catch(() => undefined);
    if (text !== undefined) {
      seenDetector = true;
      lastMetrics = text.split('\n').filter((l) => /^detector_(transactions_total|batches_deferred_total|checkpoint_bytes_total|signals_consumed_total|transaction_duration_ms_(sum|count))/.test(l)).join('\n');
    } else if (seenDetector) {
      await new Promise((r) => setTimeout(r, 2000)); // the detector stopped: its last records
      break;
    }
    const topics: string[] = await admin.listTopics().catch((): string[] => [stateTopic]);
    if (!topics.includes(stateTopic)) break;
  }
  await stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
