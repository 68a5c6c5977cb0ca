/**
 * A batch line's report read straight from the line's text, for the common shape: one pass over
 * the characters that takes out the fields, with no JSON.parse, no parsed object and no walk of
 * its keys (in a profile of NDJSON batches the parse of the line was the largest single item of a
 * report's CPU in ingest's own code).
 *
 * It reads only a strict part of JSON: an object whose keys are ReportInput's (each at most once,
 * written without escapes), whose values are strings without a backslash or a raw control
 * character, or for `at` a plain non-negative whole number of at most 15 digits; JSON's
 * whitespace between the parts. For such a text JSON.parse gives an object with exactly these
 * fields and these values (the same characters: nothing is unescaped), and no __proto__ or
 * constructor key, so the line would pass parseJsonStrict as this same object. The fields then
 * get plainReportEvent's checks (steps.ts, shared, not a copy). Any other text, or a report any
 * check might refuse, gives undefined: the caller then parses the line and takes the way it took
 * before, which gives the event or the rejection. So a line becomes exactly the event it became
 * before (report-line.test.ts compares the two over many drawn lines, as text, byte for byte).
 */
import type { ReportEvent } from '../../../schemas/events/index';
import type { ServiceLookup } from './steps';
import { vouchPlainAscii } from './report-json';
import { plainReportFields } from './steps';

const ID = 1;
const SERVICE = 2;
const PROBLEM = 4;
const TEXT = 8;
const COUNTRY = 16;
const AT = 32;
const REPORTER = 64;

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

export interface ReportTextReader {
  /** The event of a line that is a report object, or undefined (take the general way). */
  report(text: string, now: number, replay: boolean): ReportEvent | undefined;
  /** The event of a line `{"report": <report object>}`, or undefined (take the general way). */
  wrappedReport(text: string, now: number, replay: boolean): ReportEvent | undefined;
}

export function reportTextReader(ctx: { services: ServiceLookup; hashReporter(id: string): string }): ReportTextReader {
  const plain = plainReportFields(ctx);
  // The fields of the object read last (module state of this reader: one line at a time).
  let id: string | undefined;
  let serviceId: string | undefined;
  let problem: string | undefined;
  let text: string | undefined;
  let country: string | undefined;
  let at: number | undefined;
  let reporterId: string | undefined;
  /** Every string value read is printable ASCII (and, as every value read, has no '"', '\\' or control character). */
  let ascii = true;

  /**
   * Reads the report object that starts at s[i] ('{'); returns the position after its '}', or -1
   * when the text is not of the shape read here.
   */
  function readObject(s: string, i: number): number {
    const n = s.length;
    id = serviceId = problem = text = country = reporterId = undefined;
    at = undefined;
    ascii = true;
    let seen = 0;
    if (s.charCodeAt(i) !== 0x7b) return -1;
    i++;
    for (;;) {
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 0x22) return -1; // a key (an empty object is not a report)
      let field: number;
      const k = s.charCodeAt(i + 1);
      if (k === 0x69 && s.startsWith('id"', i + 1)) { field = ID; i += 4; }
      else if (k === 0x73 && s.startsWith('serviceId"', i + 1)) { field = SERVICE; i += 11; }
      else if (k === 0x70 && s.startsWith('problem"', i + 1)) { field = PROBLEM; i += 9; }
      else if (k === 0x74 && s.startsWith('text"', i + 1)) { field = TEXT; i += 6; }
      else if (k === 0x63 && s.startsWith('country"', i + 1)) { field = COUNTRY; i += 9; }
      else if (k === 0x61 && s.startsWith('at"', i + 1)) { field = AT; i += 4; }
      else if (k === 0x72 && s.startsWith('reporterId"', i + 1)) { field = REPORTER; i += 12; }
      else return -1;
      if (seen & field) return -1; // a repeated key: JSON.parse keeps the last, the general way decides
      seen |= field;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 0x3a) return -1; // ':'
      i++;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (field === AT) {
        // a plain whole number: no sign, no leading zero, no fraction or exponent, at most 15 digits (exact)
        const from = i;
        let v = 0;
        let c = s.charCodeAt(i);
        if (c === 0x30) {
          i++;
        } else {
          while (c >= 0x30 && c <= 0x39) {
            v = v * 10 + (c - 0x30);
            c = s.charCodeAt(++i);
          }
          if (i === from || i - from > 15) return -1;
        }
        c = s.charCodeAt(i);
        if (c === 0x2e || c === 0x65 || c === 0x45 || (c >= 0x30 && c <= 0x39)) return -1;
        at = v;
      } else {
        if (s.charCodeAt(i) !== 0x22) return -1; // not a string: the general way gives the rejection
        const from = i + 1;
        let j = from;
        for (;;) {
          if (j >= n) return -1;
          const c = s.charCodeAt(j);
          if (c === 0x22) break;
          if (c < 0x20 || c === 0x5c) return -1; // a raw control character (not JSON) or an escape
          if (c > 0x7e) ascii = false;
          j++;
        }
        const v = s.slice(from, j);
        i = j + 1;
        if (field === ID) id = v;
        else if (field === SERVICE) serviceId = v;
        else if (field === PROBLEM) problem = v;
        else if (field === TEXT) text = v;
        else if (field === COUNTRY) country = v;
        else reporterId = v;
      }
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      const c = s.charCodeAt(i);
      if (c === 0x7d) return i + 1; // '}'
      if (c !== 0x2c) return -1; // ','
      i++;
    }
  }

  const eventOf = (now: number, replay: boolean): ReportEvent | undefined => {
    if (serviceId === undefined || problem === undefined || reporterId === undefined) return undefined;
    const ev = plain(id, serviceId, problem, text, country, at, reporterId, now, replay);
    // Its values are what JSON.stringify writes between quotes: its JSON may be written as it is (report-json.ts).
    if (ev && ascii) vouchPlainAscii(ev);
    return ev;
  };

  /** Whether only JSON whitespace follows position i. */
  function restIsSpace(s: string, i: number): boolean {
    const n = s.length;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    return i === n;
  }

  return {
    report(s, now, replay) {
      const end = readObject(s, 0);
      if (end < 0 || !restIsSpace(s, end)) return undefined;
      return eventOf(now, replay);
    },
    wrappedReport(s, now, replay) {
      // {"report": <object>}
      const n = s.length;
      if (s.charCodeAt(0) !== 0x7b) return undefined;
      let i = 1;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (!s.startsWith('"report"', i)) return undefined;
      i += 8;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 0x3a) return undefined;
      i++;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      let end = readObject(s, i);
      if (end < 0) return undefined;
      while (end < n && isSpace(s.charCodeAt(end))) end++;
      if (s.charCodeAt(end) !== 0x7d || !restIsSpace(s, end + 1)) return undefined;
      return eventOf(now, replay);
    },
  };
}
