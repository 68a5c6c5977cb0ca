/**
 * A reports message's row read straight from its bytes: the RowBinary bytes of its row written
 * from the message's JSON without making the JSON string, the parsed object or the row's strings.
 *
 * Why: on a backlog the sink is bound by its own CPU on one core, and `value.toString('utf8')` +
 * `JSON.parse` were a quarter of it (session 15's profile: 0.94 of 3.8 s), the row's checks and
 * its encoding another fifth.
 *
 * What it takes: only the common shape, the layout ingest writes (services/ingest/src/
 * report-json.ts): `{"id":…,"serviceId":…,"problem":…,"at":…,"receivedAt":…,"reporterHash":…,
 * "source":…}` in that order, then `text` and `country`, each at most once, in either order; no
 * whitespace; strings without escapes (a string with a `\` is not read here); every string ASCII
 * except the text, which may be any valid UTF-8 (checked here: bytes that are not UTF-8 would be
 * decoded to U+FFFD by today's path); `at` and `receivedAt` plain whole numbers (no sign, fraction,
 * exponent or leading zero). It then applies plainReportRow's checks (report-row.ts) on the bytes:
 * the EventId, Slug, Country and source patterns, the problem categories, the lengths in UTF-16
 * units (text ≤ 500, reporterHash 1-128, id ≤ 128), both times within DateTime.
 *
 * Anything else, and any value that fails a check, is left to today's path (JSON.parse,
 * plainReportRow, and for what that is not sure of the general mapMessage), which writes the row
 * or names the field in the dead letter: this reader only ever says "mine, and here are its bytes"
 * for a value that path would have made the same row of. report-bytes.test.ts compares the bytes
 * and the dead letters of both paths over many drawn values.
 */
import type { BinaryWriter } from '@downradar/common/clickhouse/row-binary';
import { uint32, varUInt } from './row-bytes';
import { PROBLEM_CATEGORIES } from '../../../schemas/events/index';

/** The last ms of DateTime (UInt32 seconds), as plainReportRow's bound. */
const MAX_DATETIME_MS = 4_294_967_296_000 - 1;

/**
 * The keys ingest writes first, in its order (a copy of services/ingest/src/report-json.ts's
 * REQUIRED, which is reportEvent()'s order; report-bytes.test.ts pins the two), then optional
 * `text` and `country`.
 */
export const REPORT_KEYS = ['id', 'serviceId', 'problem', 'at', 'receivedAt', 'reporterHash', 'source'] as const;
const [ID, SERVICE, PROBLEM, AT, RECEIVED, HASH, SOURCE] = REPORT_KEYS;

const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
/** The fixed parts between the values, each with the quotes around the values it sits between. */
const OPEN_ID = bytes(`{"${ID}":"`);
const TO_SERVICE = bytes(`","${SERVICE}":"`);
const TO_PROBLEM = bytes(`","${PROBLEM}":"`);
const TO_AT = bytes(`","${AT}":`);
const TO_RECEIVED = bytes(`,"${RECEIVED}":`);
const TO_HASH = bytes(`,"${HASH}":"`);
const TO_SOURCE = bytes(`","${SOURCE}":"`);
const TEXT_KEY = bytes(',"text":"');
const COUNTRY_KEY = bytes(',"country":"');
const PROBLEMS = PROBLEM_CATEGORIES.map(bytes);

// Byte classes, from the schemas' patterns (schemas/events/index.ts): a pinned test checks each
// against its RegExp for every byte.
/** EVENT_ID_PATTERN `^[A-Za-z0-9._:-]+$`. */
export const ID_CHAR = 1;
/** SLUG_PATTERN's first character `[a-z0-9]`. */
export const SLUG_FIRST = 2;
/** SLUG_PATTERN's others `[a-z0-9-]`. */
export const SLUG_CHAR = 4;
/** REPORT_SOURCE_PATTERN `^[a-z0-9_-]{1,32}$`. */
export const SOURCE_CHAR = 8;
/** COUNTRY_PATTERN `^[A-Z]{2}$`. */
export const COUNTRY_CHAR = 16;
/** A byte JSON.parse reads as itself inside a string: printable ASCII (and DEL) but `"` and `\`. */
export const PLAIN = 32;
export const CLASS = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) if (b !== 0x22 && b !== 0x5c) CLASS[b]! |= PLAIN;
for (let b = 0x30; b <= 0x39; b++) CLASS[b]! |= ID_CHAR | SLUG_FIRST | SLUG_CHAR | SOURCE_CHAR;
for (let b = 0x61; b <= 0x7a; b++) CLASS[b]! |= ID_CHAR | SLUG_FIRST | SLUG_CHAR | SOURCE_CHAR;
for (let b = 0x41; b <= 0x5a; b++) CLASS[b]! |= ID_CHAR | COUNTRY_CHAR;
for (const c of '._:-') CLASS[c.charCodeAt(0)]! |= ID_CHAR;
CLASS[0x2d]! |= SLUG_CHAR | SOURCE_CHAR; // -
CLASS[0x5f]! |= SOURCE_CHAR; // _

/** Whether `lit` is at `buf[p…]` (within `end`). */
function at(buf: Buffer, p: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (p + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[p + i] !== lit[i]) return false;
  return true;
}

/** Where the run of bytes of `cls` from `p` ends (the first byte not of it, or `end`). */
function run(buf: Buffer, p: number, end: number, cls: number): number {
  while (p < end && (CLASS[buf[p]!]! & cls) !== 0) p++;
  return p;
}

/** Set by `number`: where the number read ends. */
let numberEnd = 0;
/**
 * A plain whole number at `p` (`0` or `[1-9][0-9]*`) within DateTime's ms, or NaN; `numberEnd`
 * past it. A `0` ends the number: what follows it ("01", "0.5", "0e1") fails the next literal.
 */
function number(buf: Buffer, p: number, end: number): number {
  let b = p < end ? buf[p]! : 0;
  if (b < 0x30 || b > 0x39) return NaN;
  if (b === 0x30) {
    numberEnd = p + 1;
    return 0;
  }
  let n = 0;
  // at most 14 digits: any more cannot be within DateTime's ms (13 digits), and stay exact
  const stop = Math.min(end, p + 14);
  while (p < stop && (b = buf[p]!) >= 0x30 && b <= 0x39) {
    n = n * 10 + (b - 0x30);
    p++;
  }
  if (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) return NaN;
  numberEnd = p;
  return n <= MAX_DATETIME_MS ? n : NaN;
}

/** Set by `text`: its length in UTF-16 units. */
let textUnits = 0;
/**
 * Where a JSON string's body of plain ASCII or valid UTF-8 (no escapes, no control characters)
 * from `p` ends: at its closing quote, or -1. `textUnits` counts its UTF-16 units.
 * Valid UTF-8 as the WHATWG decoder (Buffer.toString) reads it: shortest forms only, no
 * surrogates, nothing above U+10FFFF; whatever else it would turn into U+FFFD is not taken.
 */
function text(buf: Buffer, p: number, end: number): number {
  let units = 0;
  while (p < end) {
    const b = buf[p]!;
    if (b < 0x80) {
      if (b === 0x22) {
        textUnits = units;
        return p;
      }
      if ((CLASS[b]! & PLAIN) === 0) return -1;
      p++;
      units++;
      continue;
    }
    const b1 = p + 1 < end ? buf[p + 1]! : 0;
    if (b >= 0xc2 && b <= 0xdf) {
      if ((b1 & 0xc0) !== 0x80) return -1;
      p += 2;
      units++;
      continue;
    }
    const b2 = p + 2 < end ? buf[p + 2]! : 0;
    if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80) return -1;
      p += 3;
      units++;
      continue;
    }
    const b3 = p + 3 < end ? buf[p + 3]! : 0;
    if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return -1;
      p += 4;
      units += 2; // a surrogate pair
      continue;
    }
    return -1;
  }
  return -1;
}


/** A String column (VarUInt length, bytes) copied from `buf[s…e]` at `o`; returns the position after it. */
function str(out: Buffer, o: number, buf: Buffer, s: number, e: number): number {
  o = varUInt(out, o, e - s);
  for (let i = s; i < e; i++) out[o++] = buf[i]!;
  return o;
}


/** A UInt64 of a whole number below 2^53, little endian. */
function uint64(out: Buffer, o: number, n: number): number {
  uint32(out, o, n % 4_294_967_296);
  return uint32(out, o + 4, Math.floor(n / 4_294_967_296));
}

/**
 * Appends the reports row of the JSON in `buf[start…end]` to `w` (RowBinary in REPORT_LAYOUT's
 * order) and returns true when the value is of the common shape and passes every check; else
 * writes nothing and returns false: the caller takes today's path for it.
 */
export function encodePlainReport(w: BinaryWriter, buf: Buffer, start: number, end: number): boolean {
  let p = start;
  if (!at(buf, p, end, OPEN_ID)) return false;
  const idS = (p += OPEN_ID.length);
  p = run(buf, p, end, ID_CHAR);
  const idE = p;
  if (idE === idS || idE - idS > 128 || !at(buf, p, end, TO_SERVICE)) return false;
  const svcS = (p += TO_SERVICE.length);
  if (p >= end || (CLASS[buf[p]!]! & SLUG_FIRST) === 0) return false;
  p = run(buf, p + 1, end, SLUG_CHAR);
  const svcE = p;
  if (svcE - svcS > 63 || !at(buf, p, end, TO_PROBLEM)) return false;
  const probS = (p += TO_PROBLEM.length);
  p = run(buf, p, end, PLAIN);
  const probE = p;
  if (!isProblem(buf, probS, probE) || !at(buf, p, end, TO_AT)) return false;
  const atMs = number(buf, p + TO_AT.length, end);
  if (atMs !== atMs) return false; // NaN
  p = numberEnd;
  if (!at(buf, p, end, TO_RECEIVED)) return false;
  const receivedMs = number(buf, p + TO_RECEIVED.length, end);
  if (receivedMs !== receivedMs) return false;
  p = numberEnd;
  if (!at(buf, p, end, TO_HASH)) return false;
  const hashS = (p += TO_HASH.length);
  p = run(buf, p, end, PLAIN);
  const hashE = p;
  if (hashE === hashS || hashE - hashS > 128 || !at(buf, p, end, TO_SOURCE)) return false;
  const srcS = (p += TO_SOURCE.length);
  p = run(buf, p, end, SOURCE_CHAR);
  const srcE = p;
  if (srcE === srcS || srcE - srcS > 32 || p >= end || buf[p] !== 0x22) return false;
  p++;
  let textS = -1;
  let textE = -1;
  let countryS = -1;
  // then `}`, or text and country, each at most once, in either order
  for (;;) {
    if (p === end - 1 && buf[p] === 0x7d) break;
    if (textS < 0 && at(buf, p, end, TEXT_KEY)) {
      textS = p + TEXT_KEY.length;
      textE = text(buf, textS, end);
      if (textE < 0 || textUnits > 500) return false;
      p = textE + 1;
    } else if (countryS < 0 && at(buf, p, end, COUNTRY_KEY)) {
      countryS = p + COUNTRY_KEY.length;
      if (run(buf, countryS, end, COUNTRY_CHAR) !== countryS + 2 || buf[countryS + 2] !== 0x22) return false;
      p = countryS + 3;
    } else return false;
  }
  // The row: id, service_id, at, at_ms, received_at, problem, source, country, reporter_hash, text.
  // Its bytes are at most the value's (every string is copied once, each number is shorter as
  // binary than its digits and key) plus the 10 columns' length prefixes: 2 bytes each at most.
  const out = w.room(end - start + 32);
  const o0 = w.length;
  let o = str(out, o0, buf, idS, idE);
  o = str(out, o, buf, svcS, svcE);
  o = uint32(out, o, Math.floor(atMs / 1000));
  o = uint64(out, o, atMs);
  o = uint32(out, o, Math.floor(receivedMs / 1000));
  o = str(out, o, buf, probS, probE);
  o = str(out, o, buf, srcS, srcE);
  o = countryS < 0 ? varUInt(out, o, 0) : str(out, o, buf, countryS, countryS + 2);
  o = str(out, o, buf, hashS, hashE);
  o = textS < 0 ? varUInt(out, o, 0) : str(out, o, buf, textS, textE);
  w.advance(o - o0);
  return true;
}

/** Whether `buf[s…e]` is one of the problem categories. */
function isProblem(buf: Buffer, s: number, e: number): boolean {
  const n = e - s;
  for (const lit of PROBLEMS) {
    if (lit.length !== n) continue;
    let i = 0;
    while (i < n && buf[s + i] === lit[i]) i++;
    if (i === n) return true;
  }
  return false;
}
