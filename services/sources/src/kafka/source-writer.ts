/**
 * The Kafka side of one live source: a transactional producer of its own (transactional id
 * `downradar-sources-<connector>`), so what a source read and where it stands in its source are
 * committed together or not at all. A second instance of the same connector fences the first
 * (InitProducerId), so two copies never write the same source twice.
 *
 * State lives in the compacted `source-state` topic under keys that start with the connector's
 * name; `open()` reads them back (read_committed) before the connector starts.
 */
import {
  commitTransaction,
  connectTransactionalProducer,
  readStateTopic,
  type Kafka,
  type Logger,
  type TopicNames,
  type TransactionalProducer,
  type TxnMessage,
  type TxnResult,
} from '@downradar/common';
import type { DlqRecord, OfficialStatusEvent, PostEvent, ProbeResultEvent, SignalEvent } from '../../../../schemas/events/index';

export class SourceWriter {
  private producer: TransactionalProducer | undefined;

  constructor(
    private readonly kafka: Kafka,
    readonly topics: TopicNames,
    readonly connector: string,
    private readonly logger: Logger,
  ) {}

  get transactionalId(): string {
    return `downradar-sources-${this.connector}`;
  }

  /** Fences any earlier owner, then reads this connector's state records (key -> value). */
  async open(): Promise<Map<string, string>> {
    await this.close();
    this.producer = await connectTransactionalProducer(this.kafka, this.transactionalId);
    // Right after topics are created or deleted a broker may briefly not lead a partition yet.
    for (let attempt = 1; ; attempt++) {
      try {
        const read = await readStateTopic(this.kafka, this.topics.sourceState, {
          groupPrefix: this.transactionalId,
          logger: this.logger,
          keep: (key) => key === this.connector || key.startsWith(`${this.connector}:`),
        });
        return read.latest;
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable || attempt >= 30) throw err;
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }

  /** The messages and the state records in one transaction. */
  async commit(messages: TxnMessage[], state: Record<string, string> = {}): Promise<TxnResult> {
    if (this.producer === undefined) throw new Error(`${this.transactionalId}: commit before open`);
    const all = [...messages];
    for (const [key, value] of Object.entries(state)) all.push({ topic: this.topics.sourceState, key, value });
    return commitTransaction(this.producer, all);
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  postMessages(post: PostEvent, signals: readonly SignalEvent[]): TxnMessage[] {
    const out: TxnMessage[] = [{ topic: this.topics.posts, key: post.id, value: JSON.stringify(post) }];
    for (const s of signals) out.push({ topic: this.topics.signals, key: s.serviceId, value: JSON.stringify(s) });
    return out;
  }

  dlqMessage(record: DlqRecord): TxnMessage {
    return { topic: this.topics.dlq, key: record.origin, value: JSON.stringify(record) };
  }

  statusMessage(e: OfficialStatusEvent): TxnMessage {
    return { topic: this.topics.status, key: e.serviceId, value: JSON.stringify(e) };
  }

  probeMessage(e: ProbeResultEvent): TxnMessage {
    return { topic: this.topics.probes, key: e.serviceId, value: JSON.stringify(e) };
  }

  signalMessage(s: SignalEvent): TxnMessage {
    return { topic: this.topics.signals, key: s.serviceId, value: JSON.stringify(s) };
  }
}
