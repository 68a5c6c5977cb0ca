/**
 * Messages of the signals topic, in three forms; every reader accepts all three and every writer
 * goes through this file:
 *  - binary (what signalMessages and SignalSlicer write for signals given as objects): the byte
 *    0x00, a version byte, then the Avro encoding of schemas/events/avro/signal-batch.avsc, the
 *    signals of ONE service, keyed by that service id (signal-codec.ts);
 *  - one SignalEvent as a JSON object, and
 *  - a SignalBatch: a JSON array of SignalEvents of ONE service (what was written before the
 *    binary form, and still what a writer that only has the signals' JSON writes).
 * A reader tells them apart by the first byte, so JSON messages already on the topic stay readable
 * after an upgrade. Ingest (per turn of its event loop: the requests that arrived together), the
 * replay's Kafka target (per batch) and the live sources (per commit) write one message per service
 * per 5 s of event time, so that a partition stays in event-time order well within the detector's
 * allowed lateness (services/ingest/src/produce.ts groupEvents, services/replay kafka-target.ts,
 * services/sources/src/kafka/signal-batches.ts).
 *
 * Why batches: what the detector and the sink pay per Kafka record (kafkajs decoding the record,
 * its offset, its key, the garbage that makes) costs several times the JSON of a signal; a batch
 * of 50 signals pays it once. One service per batch keeps the partitioning contract: a service's
 * signals all land on the partition of its id, so one partition's detector sees every signal of
 * the services it scores. Why binary: after batching, JSON.parse was the detector's largest cost.
 * Consumers read a message once (readSignalMessage) and validate each element against the
 * SignalEvent schema, whatever its form; a bad element is a dead letter of its own.
 */
import { SignalEvent } from '../../../../schemas/events/index';
import { compileValidator, type Checked } from '../validate';
import type { OutMessage } from './producer';
import { decodeCheckedSignalBatch, encodeSignalBatch, isBinarySignalMessage, NotEncodable, signalBatchLength, signalBatchOfRecords, signalOfRecord, type SignalRecord } from './signal-codec';

/**
 * Most characters (JSON) or bytes (binary) of one batch message. kafkajs writes one record batch per partition and
 * request and the broker refuses record batches over 1 MiB, so a message stays well below it
 * (the producer then fits several in one request).
 */
export const MAX_SIGNAL_BATCH_CHARS = 128 * 1024;

/**
 * The messages for these signals: one per service (in the order services first appear), in the
 * binary form; a service with more than MAX_SIGNAL_BATCH_CHARS bytes of signals gets several.
 * Signals the binary form cannot carry (a wrong type, an unknown field: a producer's bug) are
 * written as JSON instead, so that the readers dead-letter them with the schema's reason.
 */
export function signalMessages(topic: string, signals: readonly SignalEvent[], maxChars = MAX_SIGNAL_BATCH_CHARS): OutMessage[] {
  return slicedSignalMessages(
    topic,
    signals.map((signal) => ({ serviceId: signal.serviceId, signal })),
    maxChars,
  );
}

/**
 * A signal for a signals message: as an object (written in the binary form), already encoded
 * (signal-codec's encodeSignalRecord: written in the binary form, the same bytes), or as its JSON
 * text (written as JSON; for a caller that has only the text).
 */
export type OutSignal = { serviceId: string; signal: SignalEvent } | { serviceId: string; record: SignalRecord } | { serviceId: string; json: string };

/** Messages for signals given either way: per service, binary when every signal of it is an object or a record. */
export function slicedSignalMessages(topic: string, signals: readonly OutSignal[], maxChars = MAX_SIGNAL_BATCH_CHARS): OutMessage[] {
  const byService = new Map<string, OutSignal[]>();
  for (const s of signals) {
    let list = byService.get(s.serviceId);
    if (!list) byService.set(s.serviceId, (list = []));
    list.push(s);
  }
  const out: OutMessage[] = [];
  for (const [serviceId, given] of byService) {
    let list = given;
    if (list.every((s) => 'record' in s)) {
      for (const value of recordMessages((list as { record: SignalRecord }[]).map((s) => s.record), maxChars)) out.push({ topic, key: serviceId, value });
      continue;
    }
    // Mixed with a signal the binary form could not carry: the records as objects again, and the
    // service's signals written as the objects would be.
    if (list.some((s) => 'record' in s)) list = list.map((s) => ('record' in s ? { serviceId: s.serviceId, signal: signalOfRecord(s.record) } : s));
    const objects = list.every((s) => 'signal' in s) ? (list as { signal: SignalEvent }[]).map((s) => s.signal) : undefined;
    const binary = objects && binaryMessages(objects, maxChars);
    if (binary) {
      for (const value of binary) out.push({ topic, key: serviceId, value });
      continue;
    }
    const jsons = list.map((s) => ('json' in s ? s.json : JSON.stringify((s as { signal: SignalEvent }).signal)));
    for (const m of serializedSignalMessages(topic, jsons.map((json) => ({ serviceId, json })), maxChars)) out.push(m);
  }
  return out;
}

/** One service's signals as binary messages of at most maxBytes (undefined: not encodable). */
function binaryMessages(signals: readonly SignalEvent[], maxBytes: number): Buffer[] | undefined {
  let value: Buffer;
  try {
    value = encodeSignalBatch(signals);
  } catch (err) {
    if (err instanceof NotEncodable) return undefined;
    throw err;
  }
  if (value.length <= maxBytes || signals.length === 1) return [value];
  const parts = Math.ceil(value.length / maxBytes) + 1;
  const size = Math.ceil(signals.length / parts);
  const out: Buffer[] = [];
  for (let i = 0; i < signals.length; i += size) out.push(...binaryMessages(signals.slice(i, i + size), maxBytes)!);
  return out;
}

/** Records as binary messages of at most maxBytes, split as binaryMessages splits the same signals. */
function recordMessages(records: readonly SignalRecord[], maxBytes: number): Buffer[] {
  const length = signalBatchLength(records);
  if (length <= maxBytes || records.length === 1) return [signalBatchOfRecords(records)];
  const parts = Math.ceil(length / maxBytes) + 1;
  const size = Math.ceil(records.length / parts);
  const out: Buffer[] = [];
  for (let i = 0; i < records.length; i += size) out.push(...recordMessages(records.slice(i, i + size), maxBytes));
  return out;
}

/** JSON messages for signals already serialised: a JSON array per service, the plain object when it has one. */
export function serializedSignalMessages(topic: string, signals: readonly { serviceId: string; json: string }[], maxChars = MAX_SIGNAL_BATCH_CHARS): OutMessage[] {
  const byService = new Map<string, string[]>();
  for (const s of signals) {
    let list = byService.get(s.serviceId);
    if (!list) byService.set(s.serviceId, (list = []));
    list.push(s.json);
  }
  const out: OutMessage[] = [];
  for (const [serviceId, jsons] of byService) {
    if (jsons.length === 1) {
      out.push({ topic, key: serviceId, value: jsons[0]! });
      continue;
    }
    let part: string[] = [];
    let chars = 2;
    const flush = () => {
      if (part.length === 0) return;
      out.push({ topic, key: serviceId, value: part.length === 1 ? part[0]! : `[${part.join(',')}]` });
      part = [];
      chars = 2;
    };
    for (const j of jsons) {
      if (part.length > 0 && chars + j.length + 1 > maxChars) flush();
      part.push(j);
      chars += j.length + 1;
    }
    flush();
  }
  return out;
}

export type SignalMessage =
  /** `batch`: the value was an array (elements are named by their index in dead letters). `raw`: the parsed elements, for dead letters. */
  | { ok: true; batch: boolean; items: Checked<SignalEvent>[]; raw: unknown[] }
  /** Not JSON, empty, or neither an object nor a non-empty array. */
  | { ok: false; field: string; reason: string };

/**
 * The schema's validator, compiled at its first use: the binary form's decoder vouches for what it
 * decodes and calls it only for a signal it cannot (signal-codec.ts), so a reader of binary
 * messages (the detector) need not pay ajv's compile at every start.
 */
let checkSignal = (value: unknown): Checked<SignalEvent> => {
  checkSignal = compileValidator(SignalEvent); // replaces this stub: later calls go straight to the validator
  return checkSignal(value);
};

/** Parse a signals message once (binary or JSON, by its first byte) and check every signal in it. Never throws. */
export function readSignalMessage(value: Buffer | string | null): SignalMessage {
  if (value === null) return { ok: false, field: '(message)', reason: 'empty message value' };
  if (typeof value !== 'string' && isBinarySignalMessage(value)) {
    // Decoded and checked in one pass (signal-codec.ts): the schema's validator runs only for a
    // signal whose bytes the decoder cannot vouch for, and gives the same verdict and reason.
    const decoded = decodeCheckedSignalBatch(value, checkSignal);
    if (!decoded.ok) return { ok: false, field: '(message)', reason: decoded.reason };
    if (decoded.signals.length === 0) return { ok: false, field: '(message)', reason: 'is an empty batch (a SignalBatch has at least one signal)' };
    // Always a batch: a dead letter of one element then carries that element as JSON.
    return { ok: true, batch: true, items: oneService(decoded.items), raw: decoded.signals };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    return { ok: false, field: '(message)', reason: `not JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(parsed)) return { ok: true, batch: false, items: [checkSignal(parsed)], raw: [parsed] };
  if (parsed.length === 0) return { ok: false, field: '(message)', reason: 'is an empty batch (a SignalBatch has at least one signal)' };
  return { ok: true, batch: true, items: checkBatch(parsed), raw: parsed };
}

/** Checks every element of a batch, and that they are all of one service. */
function checkBatch(elements: readonly unknown[]): Checked<SignalEvent>[] {
  const items = new Array<Checked<SignalEvent>>(elements.length);
  for (let i = 0; i < elements.length; i++) items[i] = checkSignal(elements[i]);
  return oneService(items);
}

/**
 * Refuses (in place) each valid element whose service is not the batch's, the service of its
 * first valid element: a batch of several services would put some of them on another service's
 * partition.
 */
function oneService(items: Checked<SignalEvent>[]): Checked<SignalEvent>[] {
  let service: string | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!item.ok) continue;
    service ??= item.value.serviceId;
    if (item.value.serviceId !== service) items[i] = { ok: false, field: 'serviceId', reason: `is not ${service}, the service of the batch (a batch holds the signals of one service)` };
  }
  return items;
}

/**
 * Signals of one service whose event times lie within this span go in one message: a third of
 * the detector's allowed lateness (15 s), so that a partition holds its signals in the order they
 * were written, up to this much event time. Ingest, the replay's Kafka target (its default) and
 * the live sources use it.
 */
export const SIGNAL_BATCH_SPAN_MS = 5_000;

/**
 * Signals collected into slices of event time, written as one message per service when a
 * slice ends: a slice ends when the next signal lies more than `spanMs` from the earliest or the
 * latest signal in it (a gap fill or a late request reads older events than the ones before it).
 * Ingest's groupEvents and the sources' batchSignals share it.
 */
export class SignalSlicer {
  private slice: OutSignal[] = [];
  private min = 0;
  private max = 0;

  constructor(
    private readonly topic: string,
    private readonly spanMs = SIGNAL_BATCH_SPAN_MS,
  ) {}

  /**
   * Adds a signal of event time `at` (as an object: written in the binary form; as JSON text:
   * written as JSON); the messages of a slice it ends go to `out` first.
   */
  add(signal: OutSignal, at: number, out: OutMessage[]): void {
    if (this.slice.length > 0 && (at - this.min > this.spanMs || this.max - at > this.spanMs)) this.flush(out);
    if (this.slice.length === 0) this.min = this.max = at;
    else {
      this.min = Math.min(this.min, at);
      this.max = Math.max(this.max, at);
    }
    this.slice.push(signal);
  }

  /** Writes the open slice's messages to `out` (one per service) and starts a new slice. */
  flush(out: OutMessage[]): void {
    if (this.slice.length === 0) return;
    for (const m of slicedSignalMessages(this.topic, this.slice)) out.push(m);
    this.slice = [];
  }
}
