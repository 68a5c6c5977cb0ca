/**
 * Signal batches for what a source commits, the way ingest writes them (services/common
 * kafka/signal-messages.ts says why: the detector and the sink pay per Kafka record, not per
 * signal): the signals of one commit become one message per service per slice of event time, a
 * JSON array when the service has several, the plain object when it has one. A slice ends when a
 * signal lies more than `spanMs` of event time from the others in it (a gap fill or a replay after
 * a restart reads older posts than the live stream), so that a partition stays in event-time order
 * well within the detector's allowed lateness, as ingest's groupEvents does. Everything else keeps
 * its place. Pure: no I/O.
 */
import { SIGNAL_BATCH_SPAN_MS, SignalSlicer, type OutMessage, type TxnMessage } from '@downradar/common';

/** A message of a source; a signal carries its event time, which decides its slice. */
export type SourceMessage = TxnMessage & { signalAt?: number };

export { SIGNAL_BATCH_SPAN_MS };

export function batchSignals(messages: readonly SourceMessage[], signalsTopic: string, spanMs = SIGNAL_BATCH_SPAN_MS): TxnMessage[] {
  const out: TxnMessage[] = [];
  const slicer = new SignalSlicer(signalsTopic, spanMs);
  const ended: OutMessage[] = [];
  const take = () => {
    for (const e of ended) out.push({ topic: e.topic, key: e.key, value: e.value });
    ended.length = 0;
  };
  for (const m of messages) {
    const at = m.signalAt;
    if (at === undefined || m.topic !== signalsTopic || m.key === null || typeof m.value !== 'string') {
      out.push({ topic: m.topic, key: m.key, value: m.value, ...(m.timestamp !== undefined ? { timestamp: m.timestamp } : {}) });
      continue;
    }
    slicer.add({ serviceId: m.key, json: m.value }, at, ended);
    take();
  }
  slicer.flush(ended);
  take();
  return out;
}
