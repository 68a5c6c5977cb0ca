/**
 * How far out of event-time order a signals topic is, per partition: the share of signals whose
 * event time is more than `lateness` behind the latest one read before it on their partition
 * (what the detector would call late with that allowed lateness). Used by bench:replay and by
 * `npx tsx bench/lib/signal-order.ts <topic> [sourceId prefix]` to check a replay.
 */
import { createKafka, readSignalMessage } from '@downradar/common';

export interface SignalOrder {
  signals: number;
  messages: number;
  /** signals more than `latenessMs` behind their partition's running maximum */
  late: number;
  lateShare: number;
  /** the largest such distance (ms) */
  worstMs: number;
}

/**
 * The count itself, pure: signals observed in the order they were written, each on its partition.
 * A signal is late when its event time is more than `latenessMs` behind the latest event time
 * observed before it on its partition. signalOrder (a topic read back) and scenario-lateness.ts (a
 * scenario with no pipeline: its events in emission order) share it, so their counts compare.
 */
export class LatenessCounter {
  readonly out: SignalOrder = { signals: 0, messages: 0, late: 0, lateShare: 0, worstMs: 0 };
  private readonly latest = new Map<number, number>();
  constructor(private readonly latenessMs = 15_000) {}

  /** Observes one signal; true when it is late. */
  observe(partition: number, at: number): boolean {
    const max = this.latest.get(partition) ?? -Infinity;
    this.out.signals++;
    const late = max - at > this.latenessMs;
    if (late) this.out.late++;
    this.out.worstMs = Math.max(this.out.worstMs, max - at);
    this.latest.set(partition, Math.max(max, at));
    return late;
  }

  result(): SignalOrder {
    return { ...this.out, lateShare: this.out.signals > 0 ? this.out.late / this.out.signals : 0 };
  }
}

export async function signalOrder(brokers: string[], topic: string, opts: { latenessMs?: number; sourcePrefix?: string } = {}): Promise<SignalOrder> {
  const lateness = opts.latenessMs ?? 15_000;
  const kafka = createKafka({ brokers, clientId: 'signal-order' });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  for (const [p, high] of remaining) if (high === 0) remaining.delete(p);
  const consumer = kafka.consumer({ groupId: `signal-order-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const counter = new LatenessCounter(lateness);
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    if (remaining.size === 0) return resolve();
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const read = readSignalMessage(message.value);
        counter.out.messages++;
        if (read.ok)
          for (const item of read.items) {
            if (!item.ok) continue;
            const s = item.value;
            if (opts.sourcePrefix && !s.sourceId.startsWith(opts.sourcePrefix)) continue;
            counter.observe(partition, s.at);
          }
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? Infinity)) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return counter.result();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [topic, sourcePrefix] = process.argv.slice(2);
  if (!topic) throw new Error('usage: npx tsx bench/lib/signal-order.ts <signals topic> [sourceId prefix]');
  const brokers = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  console.log(JSON.stringify(await signalOrder(brokers, topic, sourcePrefix ? { sourcePrefix } : {})));
}
