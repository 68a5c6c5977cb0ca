/**
 * Every dead letter of downradar is built here: the sink's unreadable messages and refused rows,
 * the detector's invalid, late and future signals, the notifier's invalid messages and given-up
 * webhook deliveries. One place owns the DlqRecord's shape, its limits (read from the schema in
 * schemas/events, so they are stated once) and how its id is made.
 *
 * The id is never random: a message that is redelivered (a crash before the offset commit, the
 * sink reading its own dead letters back from the dlq topic) must make the same id, so that the
 * dlq table (a ReplacingMergeTree on the id) keeps one row. A message read from Kafka is named by
 * its position (`positionId`); what has no position of its own (a ClickHouse row refused in a
 * batch, a webhook delivery) by a stable key of what failed.
 */
import { createHash } from 'node:crypto';
import { DlqRecord } from '../../../schemas/events/index';

function maxLengthOf(schema: { maxLength?: number }, field: string): number {
  if (schema.maxLength === undefined) throw new Error(`DlqRecord.${field} has no maxLength in schemas/events`);
  return schema.maxLength;
}

/** The DlqRecord's limits, as its schema states them. */
export const DLQ_LIMITS = {
  id: maxLengthOf(DlqRecord.properties.id, 'id'),
  origin: maxLengthOf(DlqRecord.properties.origin, 'origin'),
  reason: maxLengthOf(DlqRecord.properties.reason, 'reason'),
  payload: maxLengthOf(DlqRecord.properties.payload, 'payload'),
} as const;

const ID_CHARS = /^[A-Za-z0-9._:-]+$/;
const NOT_ID_CHARS = /[^A-Za-z0-9._:-]/g;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Where a message sits in Kafka. */
export interface KafkaPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * `<by>:<topic>:<partition>:<offset>`, the id of the dead letter of the message at that position.
 * A topic name too long (or with characters an id may not hold) is replaced by its hash, so the
 * partition and offset stay readable.
 */
export function positionId(by: string, p: KafkaPosition): string {
  const id = `${by}:${p.topic}:${p.partition}:${p.offset}`;
  if (id.length <= DLQ_LIMITS.id && ID_CHARS.test(id)) return id;
  return deadLetterId(`${by}:${sha256(p.topic).slice(0, 32)}:${p.partition}:${p.offset}`);
}

/**
 * A valid id for any stable key: characters an id may not hold become `_`; a key that is still too
 * long keeps its beginning and ends with a hash of the whole key, so two long keys never collide.
 */
export function deadLetterId(key: string): string {
  const clean = key.replace(NOT_ID_CHARS, '_');
  if (clean.length > 0 && clean.length <= DLQ_LIMITS.id) return clean;
  const hash = sha256(key).slice(0, 32);
  return `${clean.slice(0, DLQ_LIMITS.id - hash.length - 1)}:${hash}`;
}

/** `<by>:<scope>:<hash of the content>`: the id of a dead letter that has no Kafka position (a refused row). */
export function contentId(by: string, scope: string, content: string): string {
  return deadLetterId(`${by}:${scope}:${sha256(content).slice(0, 40)}`);
}

export interface DeadLetterInput {
  /** `positionId(...)` for a message read from Kafka, else a stable key (made valid by `deadLetterId`). */
  id: string;
  /** When it was given up (processing time). */
  at: number;
  /** The topic or route it came from, and the service that gave up. */
  origin: string;
  /** Machine-readable: `^[A-Z][A-Z0-9_]{1,63}$`. */
  code: string;
  /** What was wrong, naming the field where there is one. */
  reason: string;
  /**
   * The original message: its bytes or text as they came (bytes that start with 0x00, a binary
   * message such as the signals topic's binary form, as `base64:` and their base64), or a value,
   * written as JSON.
   */
  payload: Buffer | string | null | undefined | object;
}

function payloadText(payload: DeadLetterInput['payload']): string {
  if (payload === null || payload === undefined) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.length > 0 && payload[0] === 0 ? `base64:${payload.toString('base64')}` : payload.toString('utf8');
  try {
    return JSON.stringify(payload) ?? String(payload);
  } catch {
    return String(payload);
  }
}

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

/** The DlqRecord, within the schema's limits (reason and payload cut, never refused). */
export function deadLetter(d: DeadLetterInput): DlqRecord {
  return {
    id: deadLetterId(d.id),
    at: d.at,
    origin: clip(d.origin, DLQ_LIMITS.origin),
    code: d.code,
    reason: clip(d.reason, DLQ_LIMITS.reason),
    payload: clip(payloadText(d.payload), DLQ_LIMITS.payload),
  };
}
