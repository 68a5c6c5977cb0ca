/**
 * The Kafka side of one live source: a transactional producer of its own (transactional id
 * `downradar-sources-<connector>`), so what a source read and where it stands in its source are
 * committed together or not at all. A second instance of the same connector fences the first
 * (InitProducerId), so two copies never write the same source twice.
 *
 * State lives in the compacted `source-state` topic under keys that start with the connector's
 * name; `open()` reads them back (read_committed) before the connector starts.
 *
 * A producer has one transaction at a time, and a connector may commit from several places at once
 * (the status poller's pages each poll on their own timer): commits, and the reopen after a failed
 * one, take their turn here. Without that, a second commit began while the first was in flight
 * ("There is already an ongoing transaction"), and the reopen that followed fenced the first.
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
import { batchSignals, type SourceMessage } from './signal-batches';

export class SourceWriter {
  private producer: TransactionalProducer | undefined;
  /** The end of the queue of commits and reopens (each waits for the one before, failed or not). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    readonly topics: TopicNames,
    readonly connector: string,
    private readonly logger: Logger,
  ) {}

  get transactionalId(): string {
    return `downradar-sources-${this.connector}`;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Fences any earlier owner, then reads this connector's state records (key -> value). */
  open(): Promise<Map<string, string>> {
    return this.inTurn(() => this.reopen());
  }

  private async reopen(): Promise<Map<string, string>> {
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

  /**
   * The messages and the state records in one transaction, after the commits before it. The
   * signals among the messages go as signal batches (signal-batches.ts): one message per service
   * per 5 s of event time, in the same transaction as the cursor, so a batch is committed with
   * the position it was read up to or not at all.
   */
  commit(messages: readonly SourceMessage[], state: Record<string, string> = {}): Promise<TxnResult> {
    return this.inTurn(async () => {
      if (this.producer === undefined) throw new Error(`${this.transactionalId}: commit before open`);
      const all = batchSignals(messages, this.topics.signals);
      for (const [key, value] of Object.entries(state)) all.push({ topic: this.topics.sourceState, key, value });
      return commitTransaction(this.producer, all);
    });
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  postMessages(post: PostEvent, signals: readonly SignalEvent[]): SourceMessage[] {
    const out: SourceMessage[] = [{ topic: this.topics.posts, key: post.id, value: JSON.stringify(post) }];
    for (const s of signals) out.push(this.signalMessage(s));
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

  signalMessage(s: SignalEvent): SourceMessage {
    return { topic: this.topics.signals, key: s.serviceId, value: JSON.stringify(s), signalAt: s.at };
  }
}
