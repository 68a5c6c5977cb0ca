/**
 * A report's JSON for downradar.reports written as bytes, exactly the bytes of
 * `Buffer.from(JSON.stringify(report), 'utf8')`, without making the string.
 *
 * Why: the reports topic is what users read, so it stays that JSON; but ingest made a string of
 * about 300 characters a report (JSON.stringify), which lived on the V8 heap until Kafka
 * acknowledged it (the garbage collector copied it with every young-generation pass of the batches
 * parsed meanwhile), and then kafkajs measured and encoded it to UTF-8 (Buffer.byteLength and a
 * write). Here the JSON goes straight into shared off-heap chunks of 64 KB: each report's value is a
 * view of its bytes there, which kafkajs copies as it is. A chunk is only appended to, never
 * reused: a view's bytes stay as written while anything refers to them.
 *
 * Exactness: a report object whose keys are not exactly ReportEvent's, in reportEvent()'s order
 * (common's report-event.ts), or whose values are not of their types, is given to JSON.stringify
 * (the string is returned). A string with a character JSON escapes or that is not ASCII is written
 * as its JSON.stringify, encoded to UTF-8. report-json.test.ts compares the bytes with
 * JSON.stringify's over many drawn reports.
 */
import type { ReportEvent } from '../../../schemas/events/index';

const CHUNK = 64 * 1024;

/** The keys JSON.stringify meets in a ReportEvent made by reportEvent(), in that order. */
const REQUIRED = ['id', 'serviceId', 'problem', 'at', 'receivedAt', 'reporterHash', 'source'] as const;
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const OPEN_ID = bytes('{"id":');
const SERVICE = bytes(',"serviceId":');
const PROBLEM = bytes(',"problem":');
const AT = bytes(',"at":');
const RECEIVED = bytes(',"receivedAt":');
const HASH = bytes(',"reporterHash":');
const SOURCE = bytes(',"source":');
const TEXT = bytes(',"text":');
const COUNTRY = bytes(',"country":');

export class ReportJsonWriter {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private readonly digits = new Uint8Array(24);
  /** The last whole number written and its digits: a batch's reports share receivedAt (and often at). */
  private lastNumber = -1;
  private readonly lastDigits = new Uint8Array(24);
  private lastLength = 0;
  /** receivedAt and source of the last report, and their bytes (undefined: not a plain number or string). */
  private middleOf = NaN;
  private middle: Uint8Array | undefined;
  private tailOf: string | undefined;
  private tail: Uint8Array | undefined;

  /** The report's JSON: its bytes (a view into a chunk), or JSON.stringify's string for an unusual object. */
  write(r: ReportEvent): Buffer | string {
    if (!plainShape(r)) return JSON.stringify(r);
    const { id, serviceId, problem, reporterHash, source, text, country } = r;
    // JSON.stringify writes a UTF-16 unit as at most 6 bytes (\u001f, or a lone surrogate's
    // escape; a character as UTF-8 is at most 3 bytes a unit), plus 2 quotes; numbers 22 at most.
    const bound = 6 * (id.length + serviceId.length + problem.length + reporterHash.length + source.length + (text?.length ?? 0) + (country?.length ?? 0)) + 200;
    if (this.pos + bound > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, bound));
      this.pos = 0;
    }
    const start = this.pos;
    this.raw(OPEN_ID);
    this.string(id);
    this.raw(SERVICE);
    this.string(serviceId);
    this.raw(PROBLEM);
    this.string(problem);
    this.raw(AT);
    this.number(r.at);
    // `,"receivedAt":<n>,"reporterHash":` is the same for every report of a request (one `now`),
    // and `,"source":"<source>"` for nearly all: each is kept as bytes and copied whole.
    if (r.receivedAt !== this.middleOf) this.middle = this.middleBytes(r.receivedAt);
    if (this.middle) this.raw(this.middle);
    else {
      this.raw(RECEIVED);
      this.number(r.receivedAt);
      this.raw(HASH);
    }
    this.string(reporterHash);
    if (source !== this.tailOf) this.tail = this.tailBytes(source);
    if (this.tail) this.raw(this.tail);
    else {
      this.raw(SOURCE);
      this.string(source);
    }
    if (text !== undefined) {
      this.raw(TEXT);
      this.string(text);
    }
    if (country !== undefined) {
      this.raw(COUNTRY);
      this.string(country);
    }
    this.chunk[this.pos++] = 0x7d; // }
    return this.chunk.subarray(start, this.pos);
  }

  /** The bytes of `,"receivedAt":<n>,"reporterHash":` for a safe whole n (else undefined: written field by field). */
  private middleBytes(n: number): Uint8Array | undefined {
    this.middleOf = n;
    if (!Number.isSafeInteger(n) || n < 0 || Object.is(n, -0)) return undefined;
    return bytes(`,"receivedAt":${n},"reporterHash":`);
  }

  /** The bytes of `,"source":<source as JSON>` for a printable ASCII source (else undefined: written as a string). */
  private tailBytes(source: string): Uint8Array | undefined {
    this.tailOf = source;
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7f) return undefined;
    }
    return bytes(`,"source":"${source}"`);
  }

  private raw(b: Uint8Array): void {
    const buf = this.chunk;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** A JSON string: printable ASCII without '"' and '\' copied as it is, anything else as JSON.stringify writes it. */
  private string(s: string): void {
    const buf = this.chunk;
    const p = this.pos;
    const n = s.length;
    buf[p] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7f) {
        this.pos = p + buf.write(JSON.stringify(s), p, 'utf8');
        return;
      }
      buf[p + 1 + i] = c;
    }
    buf[p + 1 + n] = 0x22;
    this.pos = p + 2 + n;
  }

  /** A number as JSON.stringify writes it: a safe whole number digit by digit, any other by JSON.stringify. */
  private number(x: number): void {
    const buf = this.chunk;
    if (!Number.isSafeInteger(x) || x < 0 || Object.is(x, -0)) {
      this.pos += buf.write(JSON.stringify(x), this.pos, 'latin1');
      return;
    }
    let p = this.pos;
    const last = this.lastDigits;
    if (x !== this.lastNumber) {
      const d = this.digits;
      let k = 0;
      let rest = x;
      do {
        const q = Math.floor(rest / 10);
        d[k++] = 0x30 + (rest - q * 10);
        rest = q;
      } while (rest > 0);
      this.lastNumber = x;
      this.lastLength = k;
      for (let i = 0; i < k; i++) last[i] = d[k - 1 - i]!;
    }
    const n = this.lastLength;
    for (let i = 0; i < n; i++) buf[p++] = last[i]!;
    this.pos = p;
  }
}

/**
 * True when the object's own enumerable keys are ReportEvent's in reportEvent()'s order (the
 * optional text, then country, after the required ones) and each value has its type: then
 * JSON.stringify writes exactly the fields write() writes, in that order.
 */
function plainShape(r: ReportEvent): boolean {
  // A plain object: for-in then sees exactly its own enumerable keys, which JSON.stringify writes.
  if (Object.getPrototypeOf(r) !== Object.prototype) return false;
  let i = 0;
  let optional = 0;
  for (const k in r) {
    if (i < REQUIRED.length) {
      if (k !== REQUIRED[i]) return false;
    } else if (k === 'text' && optional === 0) optional = 1;
    else if (k === 'country' && optional < 2) optional = 2;
    else return false;
    i++;
  }
  if (i < REQUIRED.length) return false;
  // (an optional key holding undefined is left out by JSON.stringify, and by write())
  return (
    typeof r.id === 'string' &&
    typeof r.serviceId === 'string' &&
    typeof r.problem === 'string' &&
    typeof r.at === 'number' &&
    typeof r.receivedAt === 'number' &&
    typeof r.reporterHash === 'string' &&
    typeof r.source === 'string' &&
    (r.text === undefined || typeof r.text === 'string') &&
    (r.country === undefined || typeof r.country === 'string')
  );
}
