/**
 * A binary signals message's rows read straight from its bytes: the RowBinary bytes of its
 * signals' rows written from the message's Avro bytes (services/common/src/kafka/signal-codec.ts)
 * without making the signal objects, their strings or the rows.
 *
 * Why: in the live day the signals are a row an event, and their decoding (the codec's checking
 * reader: a string and an object a field, then signalRow, then the layout's encoder writing the
 * strings back to bytes) was the sink's largest item (session 18's profile at 0.05: about 2.4 s of
 * the sink's 9 busy seconds, against 1.2 for the reports read from their bytes).
 *
 * What it takes: a binary message (0x00, version 0x01) of one or more signals, all of one
 * service, in which every signal passes the codec's own fast tests (CheckingReader: the EventId
 * and Slug bytes and lengths, the country one of the 676 codes, the times within the schema's
 * range, the confidence within 0-1, the reporter hash, hashtags and evidence within their byte
 * lengths and item counts), and besides: both times within DateTime (signalRow's toSeconds), every
 * string of free text valid UTF-8 (what Buffer.toString would decode without U+FFFD, so its bytes
 * are what the encoder writes back), no Avro block with a negative count, nothing after the last
 * signal. Each of these is the schema's rule or stricter, so such a message is one that today's
 * path (readSignalMessage, signalRow, the layout's encoder) stores whole, with these rows.
 *
 * Anything else is left to today's path, which writes the rows or names the field in the dead
 * letter: this reader only ever says "mine, and here are its rows" for a message that path makes
 * the same rows of. signal-bytes.test.ts compares the bytes and dead letters of both paths over
 * many drawn messages.
 */
import type { BinaryWriter } from '@downradar/common/clickhouse/row-binary';
import { SIGNAL_BINARY_MAGIC, SIGNAL_BINARY_VERSION } from '@downradar/common';
import { uint32, varUInt } from './row-bytes';
import { OFFICIAL_STATUSES, PROBLEM_CATEGORIES, SIGNAL_KINDS, SignalEvent } from '../../../schemas/events/index';

const P = SignalEvent.properties;
/** The last ms whose second fits DateTime (UInt32), within the schema's EpochMs range. */
const TIME_MAX = Math.min(P.at.maximum!, P.receivedAt.maximum!, 4_294_967_296_000 - 1);
const ID_MAX = Math.min(P.id.maxLength!, P.sourceId.maxLength!);
const SLUG_MAX = 63;
const HASH_MAX = P.reporterHash.maxLength!;
const HASHTAGS_MAX_ITEMS = P.hashtags.maxItems!;
const HASHTAG_MAX = P.hashtags.items.maxLength!;
const EVIDENCE_MAX_ITEMS = P.evidence.maxItems!;
const EVIDENCE_MAX = P.evidence.items.maxLength!;
const PATTERNS = { id: '^[A-Za-z0-9._:-]+$', sourceId: '^[A-Za-z0-9._:-]+$', serviceId: '^[a-z0-9][a-z0-9-]{0,62}$', country: '^[A-Z]{2}$' } as const;
for (const [field, pattern] of Object.entries(PATTERNS)) {
  if (P[field as keyof typeof PATTERNS].pattern !== pattern) throw new Error(`signal-bytes: SignalEvent.${field}'s pattern is no longer ${pattern}: update the byte classes`);
}
if (P.id.minLength !== 1 || P.sourceId.minLength !== 1 || P.at.minimum !== 0 || P.receivedAt.minimum !== 0 || P.confidence.minimum !== 0 || P.confidence.maximum !== 1) {
  throw new Error("signal-bytes: SignalEvent's id, time or confidence bounds changed: update the tests here");
}

const ID_BYTE = new Uint8Array(256);
const SLUG_BYTE = new Uint8Array(256);
const UPPER = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  ID_BYTE[c] = /[A-Za-z0-9._:-]/.test(ch) ? 1 : 0;
  SLUG_BYTE[c] = /[a-z0-9-]/.test(ch) ? 1 : 0;
  UPPER[c] = /[A-Z]/.test(ch) ? 1 : 0;
}
const latin1 = (list: readonly string[]) => list.map((s) => Uint8Array.from(Buffer.from(s, 'latin1')));
const KINDS = latin1(SIGNAL_KINDS);
const PROBLEMS = latin1(PROBLEM_CATEGORIES);
const KIND_MAX = Math.max(...KINDS.map((k) => k.length));
const PROBLEM_MAX = Math.max(...PROBLEMS.map((k) => k.length));
/**
 * A signal is at least 24 bytes (three 1-byte strings with their lengths, kind, two times, outage,
 * problem, an 8-byte confidence, four union or count bytes); its row is longer by at most the two
 * symbols' names and their lengths, and 16 bytes of times against at least 2: room for 4x the
 * message's bytes always holds its rows.
 */
const ROW_GROWTH = KIND_MAX + PROBLEM_MAX + 2 + 16;
if (ROW_GROWTH > 3 * 24) throw new Error('signal-bytes: a row may outgrow 4x its signal: raise the room asked for');
// An Array(String)'s item count is written as one byte (a VarUInt below 128).
if (HASHTAGS_MAX_ITEMS >= 128 || EVIDENCE_MAX_ITEMS >= 128) throw new Error('signal-bytes: an item count may need two bytes: update texts()');

/** Where the reader is in the message; the message's end. */
let pos = 0;
let end = 0;

/**
 * An Avro long (zig-zag varint) at `pos` that is a whole number 0 ≤ n ≤ max, or -1 (negative, too
 * large, longer than 7 bytes or cut: the message is left to today's path).
 */
function uint(buf: Buffer, max: number): number {
  let z = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (pos >= end) return -1;
    const b = buf[pos++]!;
    z += (b & 0x7f) * scale;
    if (b < 0x80) {
      if (z % 2 !== 0) return -1; // negative
      const n = z / 2;
      return n <= max ? n : -1;
    }
    scale *= 0x80;
  }
  return -1;
}


/** A String column (VarUInt length, bytes) copied from `buf[s…s+n]` at `o`; returns the position after it. */
function copy(out: Buffer, o: number, buf: Buffer, s: number, n: number): number {
  o = varUInt(out, o, n);
  // Short strings (ids, slugs, hashes) byte by byte; longer ones (evidence: a post's text) by one native copy.
  if (n < 48) for (let i = 0; i < n; i++) out[o++] = buf[s + i]!;
  else o += buf.copy(out, o, s, s + n);
  return o;
}


/** Whether `buf[s…e]` is valid UTF-8 as the WHATWG decoder reads it (shortest forms, no surrogates, ≤ U+10FFFF). */
function utf8(buf: Buffer, s: number, e: number): boolean {
  let p = s;
  while (p < e) {
    const b = buf[p]!;
    if (b < 0x80) {
      p++;
      continue;
    }
    const b1 = p + 1 < e ? buf[p + 1]! : 0;
    if (b >= 0xc2 && b <= 0xdf) {
      if ((b1 & 0xc0) !== 0x80) return false;
      p += 2;
      continue;
    }
    const b2 = p + 2 < e ? buf[p + 2]! : 0;
    if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80) return false;
      p += 3;
      continue;
    }
    const b3 = p + 3 < e ? buf[p + 3]! : 0;
    if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return false;
      p += 4;
      continue;
    }
    return false;
  }
  return true;
}

/** An EventId at `pos` copied to `o`, or -1. */
function eventId(buf: Buffer, out: Buffer, o: number): number {
  const n = uint(buf, ID_MAX);
  const s = pos;
  if (n < 1 || s + n > end) return -1;
  for (let i = s; i < s + n; i++) if (ID_BYTE[buf[i]!] === 0) return -1;
  pos = s + n;
  return copy(out, o, buf, s, n);
}

/** A free-text string of at most `max` bytes of valid UTF-8 at `pos` copied to `o`, or -1. */
function text(buf: Buffer, out: Buffer, o: number, max: number): number {
  const n = uint(buf, max);
  const s = pos;
  if (n < 0 || s + n > end) return -1;
  let i = s;
  while (i < s + n && buf[i]! < 0x80) i++;
  if (i < s + n && !utf8(buf, i, s + n)) return -1;
  pos = s + n;
  return copy(out, o, buf, s, n);
}

/** An Avro array of free-text strings (one or more blocks, then 0) copied to `o` as Array(String), or -1. */
function texts(buf: Buffer, out: Buffer, o: number, maxItems: number, max: number): number {
  // The items' count goes first in RowBinary: the first block is written after a placeholder of
  // one byte (maxItems < 128) and the count filled in at the end.
  const countAt = o++;
  let items = 0;
  for (;;) {
    const n = uint(buf, maxItems);
    if (n < 0) return -1;
    if (n === 0) break;
    items += n;
    if (items > maxItems) return -1;
    for (let k = 0; k < n; k++) if ((o = text(buf, out, o, max)) < 0) return -1;
  }
  out[countAt] = items;
  return o;
}

/** A symbol (an index into `names`) at `pos` written as its name's String, or -1. */
function symbol(buf: Buffer, out: Buffer, o: number, names: readonly Uint8Array[]): number {
  const i = uint(buf, names.length - 1);
  if (i < 0) return -1;
  const name = names[i]!;
  out[o++] = name.length;
  for (let k = 0; k < name.length; k++) out[o++] = name[k]!;
  return o;
}

/** A time in ms within TIME_MAX written as DateTime then UInt64 (`withMs`) or DateTime alone, or -1. */
function time(buf: Buffer, out: Buffer, o: number, withMs: boolean): number {
  const t = uint(buf, TIME_MAX);
  if (t < 0) return -1;
  o = uint32(out, o, Math.floor(t / 1000));
  if (!withMs) return o;
  o = uint32(out, o, t % 4_294_967_296);
  return uint32(out, o, Math.floor(t / 4_294_967_296));
}

/**
 * Appends the signals rows of the binary signals message `buf` to `w` (RowBinary in the signals
 * layout's order) and returns how many (at least 1) when every signal passes the tests above;
 * else writes nothing and returns 0: the caller takes today's path for the message.
 */
export function encodeSignalBytes(w: BinaryWriter, buf: Buffer): number {
  if (buf.length < 3 || buf[0] !== SIGNAL_BINARY_MAGIC || buf[1] !== SIGNAL_BINARY_VERSION) return 0;
  pos = 2;
  end = buf.length;
  const out = w.room(end * 4 + 64);
  const o0 = w.length;
  let o = o0;
  let rows = 0;
  let svcS = -1;
  let svcN = 0;
  for (;;) {
    const n = uint(buf, end);
    if (n < 0) return 0;
    if (n === 0) break;
    for (let k = 0; k < n; k++) {
      // id, source_id
      if ((o = eventId(buf, out, o)) < 0 || (o = eventId(buf, out, o)) < 0) return 0;
      // service_id: a slug, the same bytes in every signal of the message
      const sn = uint(buf, SLUG_MAX);
      const ss = pos;
      if (sn < 1 || ss + sn > end) return 0;
      if (svcS < 0) {
        if (SLUG_BYTE[buf[ss]!] === 0 || buf[ss] === 0x2d) return 0;
        for (let i = ss + 1; i < ss + sn; i++) if (SLUG_BYTE[buf[i]!] === 0) return 0;
        svcS = ss;
        svcN = sn;
      } else {
        if (sn !== svcN) return 0;
        for (let i = 0; i < sn; i++) if (buf[ss + i] !== buf[svcS + i]) return 0;
      }
      pos = ss + sn;
      o = copy(out, o, buf, ss, sn);
      // kind, at, at_ms, received_at
      if ((o = symbol(buf, out, o, KINDS)) < 0 || (o = time(buf, out, o, true)) < 0 || (o = time(buf, out, o, false)) < 0) return 0;
      // outage
      if (pos >= end || buf[pos]! > 1) return 0;
      out[o++] = buf[pos++]!;
      // problem
      if ((o = symbol(buf, out, o, PROBLEMS)) < 0) return 0;
      // confidence: a double within 0-1, stored as Float32
      if (pos + 8 > end) return 0;
      const confidence = buf.readDoubleLE(pos);
      if (!(confidence >= 0 && confidence <= 1)) return 0;
      pos += 8;
      out.writeFloatLE(confidence, o);
      o += 4;
      // country (optional: '' when absent)
      let u = uint(buf, 1);
      if (u < 0) return 0;
      if (u === 0) out[o++] = 0;
      else {
        if (uint(buf, 2) !== 2 || pos + 2 > end || UPPER[buf[pos]!] === 0 || UPPER[buf[pos + 1]!] === 0) return 0;
        o = copy(out, o, buf, pos, 2);
        pos += 2;
      }
      // reporter_hash (optional: '' when absent)
      if ((u = uint(buf, 1)) < 0) return 0;
      if (u === 0) out[o++] = 0;
      else if ((o = text(buf, out, o, HASH_MAX)) < 0) return 0;
      // hashtags, evidence (optional: [] when absent)
      if ((o = texts(buf, out, o, HASHTAGS_MAX_ITEMS, HASHTAG_MAX)) < 0) return 0;
      if ((u = uint(buf, 1)) < 0) return 0;
      if (u === 0) out[o++] = 0;
      else if ((o = texts(buf, out, o, EVIDENCE_MAX_ITEMS, EVIDENCE_MAX)) < 0) return 0;
      // officialStatus: checked, not stored
      if ((u = uint(buf, 1)) < 0) return 0;
      if (u === 1 && uint(buf, OFFICIAL_STATUSES.length - 1) < 0) return 0;
      rows++;
    }
  }
  if (rows === 0 || pos !== end) return 0;
  w.advance(o - o0);
  return rows;
}
