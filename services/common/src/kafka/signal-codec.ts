/**
 * The binary form of a signals message: the byte 0x00, the format version 0x01, then the Avro
 * binary encoding of schemas/events/avro/signal-batch.avsc (an array of SignalEvent records, the
 * signals of one service). A JSON value never starts with 0x00, so readers tell the two forms apart
 * by the first byte and old JSON messages on the topic stay readable.
 *
 * Why binary: reading a signal was the detector's main cost (JSON.parse of every batch, then the
 * schema check). Avro carries no field names, enums as small integers and times as varints, so a
 * batch is about half the bytes and decoding builds each object directly. The decoder checks only
 * the framing (lengths, enum and union indexes, the end of the buffer); every decoded signal then
 * goes through the same SignalEvent schema check as a JSON one (signal-messages.ts), so a value out
 * of range is a dead letter with the same reason in either form.
 *
 * Hand-written rather than generated (avsc): one fixed schema, and the objects it builds must have
 * exactly the JSON form's shape (an absent optional field is absent, not null) for that check.
 */
import { OFFICIAL_STATUSES, PROBLEM_CATEGORIES, SIGNAL_KINDS, SignalEvent } from '../../../../schemas/events/index';

/** First byte of a binary signals message (a JSON text never starts with it). */
export const SIGNAL_BINARY_MAGIC = 0x00;
/** The format version that follows it. */
export const SIGNAL_BINARY_VERSION = 0x01;

const KIND_INDEX = new Map<string, number>(SIGNAL_KINDS.map((k, i) => [k, i]));
const PROBLEM_INDEX = new Map<string, number>(PROBLEM_CATEGORIES.map((k, i) => [k, i]));
const STATUS_INDEX = new Map<string, number>(OFFICIAL_STATUSES.map((k, i) => [k, i]));

/** Raised by the encoder for a signal the binary form cannot carry (the caller writes JSON instead). */
export class NotEncodable extends Error {}

// ---------------------------------------------------------------------------------------------
// Encoding

class Writer {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Avro long: zig-zag, then base-128 varint, low group first. Safe integers only. */
  long(n: number): void {
    this.reserve(10);
    const buf = this.buf;
    // 0..63 (lengths, counts, symbols, union branches: most longs written): one byte.
    if (n >= 0 && n < 64 && (n | 0) === n) {
      buf[this.pos++] = n * 2;
      return;
    }
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      buf[this.pos++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    buf[this.pos++] = z;
  }

  string(s: string): void {
    // A short ASCII string (a signal's ids, service, country, hash, evidence) written byte by
    // byte here: its UTF-8 is its characters, and for a few dozen bytes the two native calls below
    // (the byte length, then the write) cost more than the copy. Its length is one varint byte.
    const n = s.length;
    if (n < 64) {
      this.reserve(n + 1);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        buf[start] = n * 2; // zig-zag varint of n < 64: one byte
        this.pos = start + 1 + n;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.long(bytes);
    this.reserve(bytes);
    this.pos += this.buf.write(s, this.pos, bytes, 'utf8');
  }

  strings(list: readonly string[]): void {
    if (list.length > 0) {
      this.long(list.length);
      for (const s of list) this.string(s);
    }
    this.long(0);
  }

  enumOf(index: Map<string, number>, value: unknown, field: string): void {
    const i = index.get(value as string);
    if (i === undefined) throw new NotEncodable(`${field} ${JSON.stringify(value)} is not one of the schema's symbols`);
    this.long(i);
  }

  integer(n: unknown, field: string): void {
    if (!Number.isSafeInteger(n)) throw new NotEncodable(`${field} ${String(n)} is not a safe integer`);
    this.long(n as number);
  }

  double(x: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  signal(s: SignalEvent): void {
    if (typeof s.id !== 'string' || typeof s.sourceId !== 'string' || typeof s.serviceId !== 'string') throw new NotEncodable('id, sourceId and serviceId must be strings');
    this.string(s.id);
    this.string(s.sourceId);
    this.string(s.serviceId);
    this.enumOf(KIND_INDEX, s.kind, 'kind');
    this.integer(s.at, 'at');
    this.integer(s.receivedAt, 'receivedAt');
    if (typeof s.outage !== 'boolean') throw new NotEncodable('outage must be a boolean');
    this.reserve(1);
    this.buf[this.pos++] = s.outage ? 1 : 0;
    this.enumOf(PROBLEM_INDEX, s.problem, 'problem');
    if (typeof s.confidence !== 'number') throw new NotEncodable('confidence must be a number');
    this.double(s.confidence);
    this.optionalString(s.country, 'country');
    this.optionalString(s.reporterHash, 'reporterHash');
    if (!allStrings(s.hashtags)) throw new NotEncodable('hashtags must be an array of strings');
    this.strings(s.hashtags);
    if (s.evidence === undefined) this.long(0);
    else {
      if (!allStrings(s.evidence)) throw new NotEncodable('evidence must be an array of strings');
      this.long(1);
      this.strings(s.evidence);
    }
    if (s.officialStatus === undefined) this.long(0);
    else {
      this.long(1);
      this.enumOf(STATUS_INDEX, s.officialStatus, 'officialStatus');
    }
    // A field the schema does not have would be lost; JSON keeps it, and the reader's check refuses it.
    // Keys in the schema's order (how signals are made) are matched by walking FIELD_ORDER, an
    // identity comparison of property names a key; any other key is looked up in FIELDS.
    let j = 0;
    for (const key in s) {
      while (j < FIELD_ORDER.length && FIELD_ORDER[j] !== key) j++;
      if (j < FIELD_ORDER.length) j++;
      else if (!FIELDS.has(key)) throw new NotEncodable(`${key} is not a SignalEvent field`);
    }
  }

  optionalString(v: unknown, field: string): void {
    if (v === undefined) {
      this.long(0);
      return;
    }
    if (typeof v !== 'string') throw new NotEncodable(`${field} must be a string`);
    this.long(1);
    this.string(v);
  }
}

/** SignalEvent's fields in the schema's order (the order the encoder writes and signals are built in). */
const FIELD_ORDER: readonly string[] = ['id', 'sourceId', 'serviceId', 'kind', 'at', 'receivedAt', 'outage', 'problem', 'confidence', 'country', 'reporterHash', 'hashtags', 'evidence', 'officialStatus'];
const FIELDS = new Set(FIELD_ORDER);

function allStrings(list: unknown): list is string[] {
  if (!Array.isArray(list)) return false;
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'string') return false;
  return true;
}

const writer = new Writer();

/**
 * The binary message for these signals (one service's). Throws NotEncodable for a signal the
 * form cannot carry (a value of the wrong type, a kind not in the schema, an unknown field).
 */
export function encodeSignalBatch(signals: readonly SignalEvent[]): Buffer {
  const w = writer;
  w.pos = 0;
  w.reserve(2);
  w.buf[w.pos++] = SIGNAL_BINARY_MAGIC;
  w.buf[w.pos++] = SIGNAL_BINARY_VERSION;
  if (signals.length > 0) {
    w.long(signals.length);
    for (const s of signals) w.signal(s);
  }
  w.long(0);
  const out = Buffer.allocUnsafe(w.pos);
  w.buf.copy(out, 0, 0, w.pos);
  return out;
}

/**
 * One signal's bytes in a batch (what encodeSignalBatch writes for it, which does not depend on
 * the signals around it), at [start, end) of `chunk`.
 */
export interface SignalRecord {
  chunk: Buffer;
  start: number;
  end: number;
}

/** Records are written one after another into chunks of this size; a chunk is never written again once a record is in it. */
const RECORD_CHUNK = 64 * 1024;
/** A record starts a fresh chunk when less than this is left (a longer record grows the chunk by copying, which keeps earlier offsets). */
const RECORD_ROOM = 2048;
const records = new Writer();

/**
 * A signal encoded now, to go into a batch later (signalBatchOfRecords): a writer that holds many
 * signals until it batches them keeps their bytes instead of their objects (ingest holds a
 * request's signals until the end of its turn; as objects, the garbage collector copied them
 * while the rest of the request was parsed). Throws NotEncodable as encodeSignalBatch does.
 */
export function encodeSignalRecord(s: SignalEvent): SignalRecord {
  const w = records;
  if (w.buf.length - w.pos < RECORD_ROOM) {
    w.buf = Buffer.allocUnsafe(RECORD_CHUNK);
    w.pos = 0;
  }
  const start = w.pos;
  try {
    w.signal(s);
  } catch (err) {
    w.pos = start;
    throw err;
  }
  return { chunk: w.buf, start, end: w.pos };
}

/** Bytes of the batch message signalBatchOfRecords makes of these records. */
export function signalBatchLength(list: readonly SignalRecord[]): number {
  let n = 3; // magic, version, the closing 0 count
  for (const r of list) n += r.end - r.start;
  if (list.length > 0) n += longLength(list.length);
  return n;
}

function longLength(n: number): number {
  let z = n * 2;
  let len = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    len++;
  }
  return len;
}

/** The binary message of these signals' records: the same bytes as encodeSignalBatch of the signals. */
export function signalBatchOfRecords(list: readonly SignalRecord[]): Buffer {
  const out = Buffer.allocUnsafe(signalBatchLength(list));
  let pos = 0;
  out[pos++] = SIGNAL_BINARY_MAGIC;
  out[pos++] = SIGNAL_BINARY_VERSION;
  if (list.length > 0) {
    // The count as Writer.long writes it: zig-zag (a positive n is 2n), base-128, low group first.
    let z = list.length * 2;
    while (z >= 0x80) {
      out[pos++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[pos++] = z;
    for (const r of list) pos += r.chunk.copy(out, pos, r.start, r.end);
  }
  out[pos++] = 0;
  if (pos !== out.length) throw new Error(`signal-codec: a batch of records took ${pos} bytes, not ${out.length}`);
  return out;
}

/** The signal a record holds (for a writer that must write it as JSON after all). */
export function signalOfRecord(r: SignalRecord): SignalEvent {
  const decoded = decodeSignalBatch(signalBatchOfRecords([r]));
  if (!decoded.ok || decoded.signals.length !== 1) throw new Error(`signal-codec: a record that does not decode: ${decoded.ok ? 'not one signal' : decoded.reason}`);
  return decoded.signals[0]!;
}

/** True when a message value is in the binary form (by its first byte). */
export function isBinarySignalMessage(value: Buffer): boolean {
  return value.length > 0 && value[0] === SIGNAL_BINARY_MAGIC;
}

// ---------------------------------------------------------------------------------------------
// Decoding

class Malformed extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  long(): number {
    // One byte (lengths, counts, symbols, union branches: most varints here): no loop.
    const first = this.pos < this.buf.length ? this.buf[this.pos]! : 0x80;
    if (first < 0x80) {
      this.pos++;
      return first % 2 === 0 ? first / 2 : -(first + 1) / 2;
    }
    let b = this.byte();
    let z = b & 0x7f;
    let scale = 0x80;
    while (b & 0x80) {
      if (scale > 2 ** 63) throw new Malformed('a varint longer than 10 bytes');
      b = this.byte();
      z += (b & 0x7f) * scale;
      scale *= 0x80;
    }
    // Zig-zag. Beyond 2^53 precision is lost; such a value fails the schema's range check anyway.
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new Malformed('ends in the middle of a signal');
    return this.buf[this.pos++]!;
  }

  count(what: string): number {
    let n = this.long();
    if (n < 0) {
      n = -n;
      this.long(); // block size in bytes (Avro allows it before a block); not needed
    }
    // Every item takes at least one byte: a larger count is a corrupt length, not an allocation.
    if (n > this.buf.length - this.pos) throw new Malformed(`${what}: a block of ${n} items in ${this.buf.length - this.pos} bytes`);
    return n;
  }

  string(what: string): string {
    const n = this.long();
    if (n < 0 || n > this.buf.length - this.pos) throw new Malformed(`${what}: a string of ${n} bytes in ${this.buf.length - this.pos}`);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  strings(what: string): string[] {
    const out: string[] = [];
    for (let n = this.count(what); n !== 0; n = this.count(what)) for (let i = 0; i < n; i++) out.push(this.string(what));
    return out;
  }

  symbol<T>(symbols: readonly T[], what: string): T {
    const i = this.long();
    const s = symbols[i];
    if (s === undefined) throw new Malformed(`${what}: symbol ${i} of ${symbols.length}`);
    return s;
  }

  present(what: string): boolean {
    const i = this.long();
    if (i !== 0 && i !== 1) throw new Malformed(`${what}: union branch ${i} of 2`);
    return i === 1;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) throw new Malformed('ends in the middle of a signal');
    const x = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return x;
  }

  signal(): SignalEvent {
    // Built in the JSON form's field order, absent optionals left out.
    const s = {
      id: this.string('id'),
      sourceId: this.string('sourceId'),
      serviceId: this.string('serviceId'),
      kind: this.symbol(SIGNAL_KINDS, 'kind'),
      at: this.long(),
      receivedAt: this.long(),
      outage: this.boolean(),
      problem: this.symbol(PROBLEM_CATEGORIES, 'problem'),
      confidence: this.double(),
    } as SignalEvent;
    if (this.present('country')) s.country = this.string('country');
    if (this.present('reporterHash')) s.reporterHash = this.string('reporterHash');
    s.hashtags = this.strings('hashtags');
    if (this.present('evidence')) s.evidence = this.strings('evidence');
    if (this.present('officialStatus')) s.officialStatus = this.symbol(OFFICIAL_STATUSES, 'officialStatus');
    return s;
  }

  boolean(): boolean {
    const b = this.byte();
    if (b > 1) throw new Malformed(`outage: boolean byte ${b}`);
    return b === 1;
  }
}

export type DecodedSignals = { ok: true; signals: SignalEvent[] } | { ok: false; reason: string };

/** Decodes a binary signals message (isBinarySignalMessage). Never throws. */
export function decodeSignalBatch(value: Buffer): DecodedSignals {
  if (value.length < 2 || value[0] !== SIGNAL_BINARY_MAGIC) return { ok: false, reason: 'is not a binary signals message' };
  if (value[1] !== SIGNAL_BINARY_VERSION) return { ok: false, reason: `binary signals format version ${value[1]} is unknown (this reader knows ${SIGNAL_BINARY_VERSION})` };
  const r = new Reader(value, 2);
  const signals: SignalEvent[] = [];
  try {
    for (let n = r.count('batch'); n !== 0; n = r.count('batch')) for (let i = 0; i < n; i++) signals.push(r.signal());
    if (r.pos !== value.length) throw new Malformed(`${value.length - r.pos} bytes after the last signal`);
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: `is not a valid binary SignalBatch (signal ${signals.length}): ${err.message}` };
    throw err;
  }
  return { ok: true, signals };
}

// ---------------------------------------------------------------------------------------------
// Decoding with the schema check folded in (what the detector and the sink read)

/**
 * The result of checking one decoded signal against the SignalEvent schema (validate.ts Checked,
 * repeated here so that the codec depends on nothing but the schema's constants).
 */
export type CheckedSignal = { ok: true; value: SignalEvent } | { ok: false; field: string; reason: string };

export type DecodedCheckedSignals = { ok: true; signals: SignalEvent[]; items: CheckedSignal[] } | { ok: false; reason: string };

/**
 * The SignalEvent schema's bounds, read from it so that the byte tests below cannot drift from it:
 * lengths in characters (a string of at most that many bytes has at most that many characters),
 * item counts and ranges. The patterns are implemented as byte tables: if the schema's patterns
 * change, loading this module fails until the tables follow.
 */
const P = SignalEvent.properties;
const EVENT_ID_MAX = Math.min(P.id.maxLength!, P.sourceId.maxLength!);
const REPORTER_HASH_MAX = P.reporterHash.maxLength!;
const HASHTAGS_MAX_ITEMS = P.hashtags.maxItems!;
const HASHTAG_MAX = P.hashtags.items.maxLength!;
const EVIDENCE_MAX_ITEMS = P.evidence.maxItems!;
const EVIDENCE_MAX = P.evidence.items.maxLength!;
const EPOCH_MS_MAX = Math.min(P.at.maximum!, P.receivedAt.maximum!);
const SLUG_MAX = 63;
const IMPLEMENTED = { id: '^[A-Za-z0-9._:-]+$', sourceId: '^[A-Za-z0-9._:-]+$', serviceId: '^[a-z0-9][a-z0-9-]{0,62}$', country: '^[A-Z]{2}$' } as const;
for (const [field, pattern] of Object.entries(IMPLEMENTED)) {
  if (P[field as keyof typeof IMPLEMENTED].pattern !== pattern) throw new Error(`signal-codec: SignalEvent.${field}'s pattern is no longer ${pattern}: update CheckingReader's byte tests`);
}
if (P.id.minLength !== 1 || P.sourceId.minLength !== 1 || P.at.minimum !== 0 || P.receivedAt.minimum !== 0 || P.confidence.minimum !== 0 || P.confidence.maximum !== 1) {
  throw new Error("signal-codec: SignalEvent's id, time or confidence bounds changed: update CheckingReader's tests");
}

/** Bytes allowed in an EventId (^[A-Za-z0-9._:-]+$) and in a slug's tail ([a-z0-9-]). */
const EVENT_ID_BYTE = new Uint8Array(256);
const SLUG_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  EVENT_ID_BYTE[c] = /[A-Za-z0-9._:-]/.test(ch) ? 1 : 0;
  SLUG_BYTE[c] = /[a-z0-9-]/.test(ch) ? 1 : 0;
}
/** The 676 valid country codes (^[A-Z]{2}$) by their two bytes, made once: decoding one is a lookup. */
const COUNTRIES = new Map<number, string>();
for (let a = 65; a <= 90; a++) for (let b = 65; b <= 90; b++) COUNTRIES.set((a << 8) | b, String.fromCharCode(a, b));

/**
 * A Reader that checks each field against the SignalEvent schema while it decodes it, from the
 * bytes, and makes the strings it can prove valid with one latin1 copy (ASCII). The framing already
 * bounds kind, problem, officialStatus (symbols), outage (a boolean byte) and every type; what is
 * left are the ranges, patterns and lengths, checked here by a byte loop. A signal that passes is
 * one the schema accepts (each test here is the schema's rule or stricter). A signal that does not
 * pass goes to the full schema check (`check`, ajv), which gives the verdict and the reason: so a
 * dead letter says exactly what it said before, and a value only this fast path is unsure of (a
 * non-ASCII id, a 130-byte hashtag of 70 two-byte characters) is judged by the schema itself.
 */
class CheckingReader extends Reader {
  /** Set when a field fails its fast test: the schema check decides for this signal. */
  private suspect = false;
  private lastServiceStart = -1;
  private lastServiceLength = -1;
  private lastService = '';

  /** Where the last EventId that passed lies, and its string. */
  private idStart = -1;
  private idLength = -1;
  private id = '';

  /** Whether the n bytes at `start` equal the n bytes at `last` (a string already checked and made). */
  private sameBytes(start: number, last: number, n: number): boolean {
    const buf = this.buf;
    for (let i = 0; i < n; i++) if (buf[start + i] !== buf[last + i]) return false;
    return true;
  }

  /**
   * An EventId: 1-128 bytes of [A-Za-z0-9._:-]. A report's sourceId is its id: the same bytes as
   * the id just read give the same string (checked once, made once).
   */
  eventId(what: string): string {
    const n = this.long();
    const start = this.pos;
    if (n < 0 || n > this.buf.length - start) throw new Malformed(`${what}: a string of ${n} bytes in ${this.buf.length - start}`);
    const buf = this.buf;
    this.pos = start + n;
    if (n === this.idLength && this.sameBytes(start, this.idStart, n)) return this.id;
    if (n === 0 || n > EVENT_ID_MAX) return this.unsure(start, n);
    for (let i = start; i < start + n; i++) if (EVENT_ID_BYTE[buf[i]!] === 0) return this.unsure(start, n);
    this.idStart = start;
    this.idLength = n;
    return (this.id = buf.toString('latin1', start, start + n));
  }

  /** A slug: [a-z0-9][a-z0-9-]{0,62}. A batch repeats one service: the same bytes give the same string, checked once. */
  serviceId(): string {
    const n = this.long();
    const start = this.pos;
    const buf = this.buf;
    if (n < 0 || n > buf.length - start) throw new Malformed(`serviceId: a string of ${n} bytes in ${buf.length - start}`);
    this.pos = start + n;
    if (n === this.lastServiceLength && this.sameBytes(start, this.lastServiceStart, n)) return this.lastService;
    if (n === 0 || n > SLUG_MAX || SLUG_BYTE[buf[start]!] === 0 || buf[start] === 0x2d /* - */) return this.unsure(start, n);
    for (let i = start + 1; i < start + n; i++) if (SLUG_BYTE[buf[i]!] === 0) return this.unsure(start, n);
    this.lastServiceStart = start;
    this.lastServiceLength = n;
    return (this.lastService = buf.toString('latin1', start, start + n));
  }

  /** A string of at most `max` characters: sure when it has at most `max` bytes (a character is at least one byte). */
  bounded(what: string, max: number): string {
    const n = this.long();
    const start = this.pos;
    if (n < 0 || n > this.buf.length - start) throw new Malformed(`${what}: a string of ${n} bytes in ${this.buf.length - start}`);
    this.pos = start + n;
    if (n > max) this.suspect = true;
    // ASCII (hashes, most hashtags): one latin1 copy, which skips the UTF-8 decoder's work.
    const buf = this.buf;
    let i = start;
    while (i < start + n && buf[i]! < 0x80) i++;
    return buf.toString(i === start + n ? 'latin1' : 'utf8', start, start + n);
  }

  boundedList(what: string, maxItems: number, max: number): string[] {
    const out: string[] = [];
    for (let n = this.count(what); n !== 0; n = this.count(what)) for (let i = 0; i < n; i++) out.push(this.bounded(what, max));
    if (out.length > maxItems) this.suspect = true;
    return out;
  }

  country(): string {
    const n = this.long();
    const start = this.pos;
    if (n < 0 || n > this.buf.length - start) throw new Malformed(`country: a string of ${n} bytes in ${this.buf.length - start}`);
    this.pos = start + n;
    const known = n === 2 ? COUNTRIES.get((this.buf[start]! << 8) | this.buf[start + 1]!) : undefined;
    return known ?? this.unsure(start, n);
  }

  epochMs(): number {
    const t = this.long();
    if (!(t >= 0 && t <= EPOCH_MS_MAX && Number.isInteger(t))) this.suspect = true;
    return t;
  }

  private unsure(start: number, n: number): string {
    this.suspect = true;
    return this.buf.toString('utf8', start, start + n);
  }

  /** Decodes the next signal into `signals` and its verdict into `items`. */
  checkedSignal(check: (value: unknown) => CheckedSignal, signals: SignalEvent[], items: CheckedSignal[]): void {
    this.suspect = false;
    // Built in the JSON form's field order, absent optionals left out (the schema check and a
    // dead letter's payload see the same object a JSON message gives).
    const s = {
      id: this.eventId('id'),
      sourceId: this.eventId('sourceId'),
      serviceId: this.serviceId(),
      kind: this.symbol(SIGNAL_KINDS, 'kind'),
      at: this.epochMs(),
      receivedAt: this.epochMs(),
      outage: this.boolean(),
      problem: this.symbol(PROBLEM_CATEGORIES, 'problem'),
      confidence: this.double(),
    } as SignalEvent;
    if (!(s.confidence >= 0 && s.confidence <= 1)) this.suspect = true;
    if (this.present('country')) s.country = this.country();
    if (this.present('reporterHash')) s.reporterHash = this.bounded('reporterHash', REPORTER_HASH_MAX);
    s.hashtags = this.boundedList('hashtags', HASHTAGS_MAX_ITEMS, HASHTAG_MAX);
    if (this.present('evidence')) s.evidence = this.boundedList('evidence', EVIDENCE_MAX_ITEMS, EVIDENCE_MAX);
    if (this.present('officialStatus')) s.officialStatus = this.symbol(OFFICIAL_STATUSES, 'officialStatus');
    signals.push(s);
    items.push(this.suspect ? check(s) : { ok: true, value: s });
  }
}

/**
 * Decodes a binary signals message and checks every signal against the SignalEvent schema in the
 * same pass: `items[i]` is what `check(signals[i])` would say (`check` is the schema's validator,
 * called only for a signal the byte-level tests cannot vouch for). Never throws.
 */
export function decodeCheckedSignalBatch(value: Buffer, check: (value: unknown) => CheckedSignal): DecodedCheckedSignals {
  if (value.length < 2 || value[0] !== SIGNAL_BINARY_MAGIC) return { ok: false, reason: 'is not a binary signals message' };
  if (value[1] !== SIGNAL_BINARY_VERSION) return { ok: false, reason: `binary signals format version ${value[1]} is unknown (this reader knows ${SIGNAL_BINARY_VERSION})` };
  const r = new CheckingReader(value, 2);
  const signals: SignalEvent[] = [];
  const items: CheckedSignal[] = [];
  try {
    for (let n = r.count('batch'); n !== 0; n = r.count('batch')) for (let i = 0; i < n; i++) r.checkedSignal(check, signals, items);
    if (r.pos !== value.length) throw new Malformed(`${value.length - r.pos} bytes after the last signal`);
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, reason: `is not a valid binary SignalBatch (signal ${signals.length}): ${err.message}` };
    throw err;
  }
  return { ok: true, signals, items };
}
