/**
 * The reports row read straight from its bytes (report-bytes.ts, used by the sink's mapEncoded)
 * against today's path (JSON.parse, plainReportRow, the general mapMessage; rows encoded by the
 * reports layout's RowBinary encoder): over many drawn values — ingest's own layout, other key
 * orders, missing, extra and repeated keys, `__proto__`, escapes, unicode valid and not, raw
 * control bytes, odd numbers, whitespace, cut values, random byte changes — the same RowBinary
 * bytes and the same dead letters, in batches and message by message.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BinaryWriter, rowBinaryEncoder } from '@downradar/common/clickhouse/row-binary';
import { seededRandom } from '@downradar/common/seeded-random';
import { reportEvent } from '@downradar/common/report-event';
import { COUNTRY_PATTERN, EVENT_ID_PATTERN, REPORT_SOURCE_PATTERN, SLUG_PATTERN, type ReportEvent } from '../../../schemas/events/index';
import { CLASS, COUNTRY_CHAR, ID_CHAR, PLAIN, REPORT_KEYS, SLUG_CHAR, SLUG_FIRST, SOURCE_CHAR, encodePlainReport } from './report-bytes';
import { REPORT_LAYOUT, type ReportRow } from './report-row';
import { mapBatch, type MessageOrigin } from './rows';
import { mapEncoded } from './batch-handler';

const NOW = Date.UTC(2021, 9, 4, 16, 0, 0);
const ORIGIN: Omit<MessageOrigin, 'offset'> = { topicKey: 'reports', topic: 'downradar.reports', partition: 2 };
const encodeRow = rowBinaryEncoder<ReportRow>(REPORT_LAYOUT);

/** Today's path for a batch: rows through mapBatch (no byte reader), each encoded by the layout. */
function todays(messages: { value: Buffer | null; offset: string }[]) {
  const m = mapBatch(ORIGIN, messages, NOW);
  const w = new BinaryWriter(1024);
  for (const row of (m.rows.get('reports') ?? []) as ReportRow[]) encodeRow(w, row);
  return { body: Buffer.from(w.view()), tables: [...m.rows.keys()], deadLetters: m.deadLetters, publish: m.publish };
}

/** The sink's path (mapEncoded: the byte reader first, today's path for the rest). */
function sinks(messages: { value: Buffer | null; offset: string }[]) {
  const m = mapEncoded(ORIGIN, messages as never, NOW);
  const parts = m.rows.get('reports') ?? [];
  return { body: Buffer.concat(parts.map((p) => p.body!)), tables: [...m.rows.keys()], deadLetters: m.deadLetters, publish: m.publish, rows: parts.reduce((n, p) => n + p.count, 0) };
}

const rand = seededRandom(17_2026);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const chance = (p: number) => rand() < p;
const int = (n: number) => Math.floor(rand() * n);

const PIECES = ['a', 'Z', '0', ' ', '-', '_', '.', ':', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u0080', 'é', 'ß', '€', '\u2028', '😀', '\ud800', '\udfff', '\ufeff', '#', '{', '}', ',', '\uffff', '\u{10ffff}'];
/** Mostly plain ASCII (the common case), sometimes any of the pieces. */
function drawString(max: number): string {
  const n = int(max + 1);
  let s = '';
  const mode = rand();
  for (let i = 0; i < n; i++)
    s += mode < 0.5 ? String.fromCharCode(32 + int(95)).replace(/["\\]/, 'x') : mode < 0.75 ? pick(['é', 'a', '€', '😀', 'ß', 'ü', ' ', '中']) : pick(PIECES);
  return s;
}
/** A string around a length limit (UTF-16 units and code points apart). */
const around = (limit: number) =>
  pick([
    () => 'x'.repeat(limit),
    () => 'x'.repeat(limit + 1),
    () => 'x'.repeat(limit - 1) + 'é',
    () => 'x'.repeat(limit - 1) + '😀', // limit + 1 units
    () => '😀'.repeat(limit / 2),
    () => '😀'.repeat(limit / 2 + 1),
    () => '😀'.repeat(limit), // `limit` code points: valid for the schema, not for the one pass
    () => 'é'.repeat(limit),
    () => '€'.repeat(limit + 1),
  ])();
const time = () =>
  chance(0.8)
    ? Date.UTC(2021, 9, 4, 15, 40) + int(7 * 3600_000)
    : pick([0, 1, 9, 10, 999, 1000, 4_294_967_295_999, 4_294_967_296_000, 99_999_999_999_999, 100_000_000_000_000, 8_640_000_000_000_000, Number.MAX_SAFE_INTEGER, -1, -0, 1.5, 1e21]);

function drawReport(): ReportEvent {
  const text = chance(0.6) ? undefined : chance(0.1) ? around(500) : drawString(60);
  const country = chance(0.3) ? undefined : chance(0.9) ? pick(['US', 'BR', 'IN', 'GB']) : pick(['us', 'USA', '', 'U', 'É1', 'Ü']);
  return reportEvent(
    {
      id: chance(0.85) ? `r-${int(1e9)}.x:${int(99)}_Y` : pick([() => 'x'.repeat(128), () => 'x'.repeat(129), () => '', () => drawString(20), () => 'Az09._:-'])(),
      serviceId: chance(0.85) ? pick(['facebook', 'whatsapp', 'at-t', '0day', 'a'.repeat(63)]) : pick(['a'.repeat(64), '-x', 'Facebook', '', 'a_b', 'x-', 'é', drawString(8)]),
      problem: (chance(0.9) ? pick(['login', 'app', 'server_connection', 'messaging', 'website', 'other']) : pick(['Login', 'ap', 'apps', 'outage', '', 'other ', 'l\u00f6gin'])) as never,
      at: time(),
      reporterId: 'someone',
      ...(text === undefined ? {} : { text }),
      ...(country === undefined ? {} : { country }),
    },
    {
      receivedAt: time(),
      source: chance(0.9) ? pick(['web', 'api', 'replay']) : pick(['Web', '', 'a'.repeat(32), 'a'.repeat(33), 'we b', 'a_b-9', 'é']),
      hashReporter: () => (chance(0.85) ? 'f0'.repeat(32) : pick([() => around(128), () => '', () => drawString(10), () => '\u007f'])()),
    },
  );
}

/** Invalid UTF-8 and edge forms to put into a value's text bytes. */
const ODD_UTF8 = [
  [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2], [0xc2, 0x41], [0xdf, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xe0, 0xa0, 0x80],
  [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf], [0xef, 0xbb, 0xbf], [0xe1, 0x80], [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf8], [0xff], [0xf0, 0x9f, 0x98], [0xe2, 0x80, 0xa8],
];

/**
 * A report's value as ingest writes it: the UTF-8 of JSON.stringify of reportEvent()'s object
 * (services/ingest/src/report-json.ts writes exactly those bytes; its test compares them).
 */
const ingestBytes = (r: ReportEvent) => Buffer.from(JSON.stringify(r), 'utf8');

function splice(b: Buffer, at: number, remove: number, insert: readonly number[]): Buffer {
  return Buffer.concat([b.subarray(0, at), Buffer.from(insert), b.subarray(at + remove)]);
}
/** Some byte at which `needle` starts, or -1. */
const find = (b: Buffer, needle: string) => b.indexOf(needle);

/** A drawn message value, and the kind of draw (for the coverage asserts). */
function drawValue(): { value: Buffer | null; kind: string } {
  const k = rand();
  if (k < 0.005) return { value: null, kind: 'null' };
  if (k < 0.015) return { value: Buffer.from(pick(['', '{', '}', 'null', '[]', '{}', '"x"', '17', '{"id":"a"}', '\ufeff{}', '{"id":"a",}'])), kind: 'other JSON' };
  const r = drawReport();
  const base = ingestBytes(r);
  if (k < 0.45) return { value: base, kind: 'ingest' };
  if (k < 0.5) {
    // the same fields in another order (country before text, as bench:sink's generator writes them; or any)
    const entries = Object.entries(r);
    const sorted = chance(0.5) ? entries.filter(([key]) => key !== 'text').concat(entries.filter(([key]) => key === 'text')) : entries.sort(() => rand() - 0.5);
    return { value: Buffer.from(JSON.stringify(Object.fromEntries(sorted))), kind: 'key order' };
  }
  if (k < 0.55) {
    // a key missing, an extra one, a repeated one, __proto__
    const json = JSON.stringify(r);
    const edits = [
      () => json.replace(/,"source":"[^"]*"/, ''),
      () => json.replace(/"id":"[^"]*",/, ''),
      () => json.replace(/,"receivedAt":\d+/, ''),
      () => json.replace('}', ',"extra":1}'),
      () => json.replace('}', ',"text":"again"}'),
      () => json.replace('}', ',"country":"FR"}'),
      () => json.replace('}', ',"__proto__":{"a":1}}'),
      () => json.replace('{', '{"__proto__":{"id":"x"},'),
      () => json.replace(/"id":"[^"]*"/, '"id":"a","id":"b-2"'),
      () => json.replace(/"problem":"[^"]*"/, '"problem":"app","problem":"login"'),
      () => json.replace(/,"text":"[^"]*"/, ',"text":null'),
      () => json.replace(/,"country":"[^"]*"/, ',"country":7'),
      () => json.replace(/"at":\d+/, '"at":"1633362000000"'),
      () => json.replace('"serviceId"', '"serviceID"'),
    ];
    return { value: Buffer.from(pick(edits)()), kind: 'keys' };
  }
  if (k < 0.63) {
    // odd numbers
    const json = JSON.stringify(r);
    const num = pick(['0', '00', '01633362000000', '-0', '-1', '1.0', '1633362000000.0', '1633362000000.5', '1e3', '1E3', '1633362000e3', '4294967295999', '4294967296000', '99999999999999', '100000000000000', '9007199254740993', '1'.repeat(30), '0.0', '0e0', '+1', ' 1', '1 ', '0x10', 'NaN', '-']);
    return { value: Buffer.from(json.replace(chance(0.5) ? /"at":[^,]*/ : /"receivedAt":[^,]*/, (m) => m.slice(0, m.indexOf(':') + 1) + num)), kind: 'numbers' };
  }
  if (k < 0.68) {
    // escapes a string may carry, and raw control characters JSON refuses
    const json = JSON.stringify(r);
    const esc = pick(['\\"', '\\\\', '\\/', '\\u0041', '\\u00e9', '\\ud83d\\ude00', '\\ud800', '\\n', '\\t', '\\b', '\\x41', '\\', '\n', '\t', '\u0000', '\u001f']);
    const field = pick(['"id":"', '"serviceId":"', '"problem":"', '"reporterHash":"', '"source":"', '"text":"', '"country":"']);
    const at = json.indexOf(field);
    if (at < 0) return { value: Buffer.from(json), kind: 'escapes' };
    const p = at + field.length + (chance(0.5) ? 0 : 1);
    return { value: Buffer.from(json.slice(0, p) + esc + json.slice(p)), kind: 'escapes' };
  }
  if (k < 0.76) {
    // bytes in the text (or another string) that are UTF-8 or not
    const field = chance(0.8) ? '"text":"' : pick(['"id":"', '"reporterHash":"', '"source":"', '"serviceId":"']);
    let b = base;
    let at = find(b, field);
    if (at < 0) {
      b = Buffer.from(JSON.stringify({ ...r, text: 'abc' }));
      at = find(b, field);
      if (at < 0) return { value: b, kind: 'utf8' };
    }
    const p = at + field.length + (chance(0.5) ? 0 : Math.min(2, b.length - at - field.length));
    const insert = chance(0.3) ? [...Buffer.from(pick(['é', '€', '😀', '\u2028', '\ufeff', '\uffff', '中', '\u{10ffff}']))] : pick(ODD_UTF8);
    return { value: splice(b, p, 0, insert), kind: 'utf8' };
  }
  if (k < 0.8) {
    // whitespace where JSON allows it
    const json = JSON.stringify(r);
    const at = pick([0, json.indexOf(':') + 1, json.indexOf(',') + 1, json.length - 1, json.length]);
    return { value: Buffer.from(json.slice(0, at) + pick([' ', '\n', '\t', '\r', '  ']) + json.slice(at)), kind: 'whitespace' };
  }
  if (k < 0.88) {
    // a cut value
    return { value: base.subarray(0, int(base.length)), kind: 'cut' };
  }
  // a byte changed, added or dropped
  const p = int(base.length);
  const byte = chance(0.5) ? int(256) : pick([0x22, 0x5c, 0x2c, 0x3a, 0x7b, 0x7d, 0x30, 0x39, 0x20, 0x41, 0x61, 0x2d, 0x7f, 0x80]);
  const op = rand();
  return { value: op < 0.5 ? splice(base, p, 1, [byte]) : op < 0.75 ? splice(base, p, 0, [byte]) : splice(base, p, 1, []), kind: 'bytes' };
}

describe('reports read from their bytes', () => {
  it('gives today\'s RowBinary bytes and dead letters for 60,000 drawn values, in batches and one by one', () => {
    const kinds = new Map<string, { read: number; other: number }>();
    let read = 0;
    let rows = 0;
    const codes = new Set<string>();
    for (let b = 0; b < 300; b++) {
      const drawn = Array.from({ length: 200 }, (_, i) => ({ ...drawValue(), offset: String(b * 1000 + i) }));
      const messages = drawn.map(({ value, offset }) => ({ value, offset }));
      const want = todays(messages);
      const got = sinks(messages);
      expect(got.tables).toEqual(want.tables);
      expect(got.deadLetters).toEqual(want.deadLetters);
      expect(got.publish).toEqual(want.publish);
      if (!got.body.equals(want.body)) {
        // name the first message whose bytes differ
        for (const m of messages) {
          const one = todays([m]);
          expect(sinks([m]).body.toString('hex'), `value ${m.value?.toString('latin1')}`).toBe(one.body.toString('hex'));
        }
      }
      expect(got.body.equals(want.body)).toBe(true);
      rows += got.rows;
      for (const d of want.deadLetters) codes.add(d.code);
      // One by one: what the reader takes is today's row, byte for byte; what it leaves, it does not touch.
      for (const d of drawn) {
        const w = new BinaryWriter(16);
        w.uint8(0xaa); // bytes already in the writer stay
        const took = d.value !== null && encodePlainReport(w, d.value, 0, d.value.length);
        const one = todays([{ value: d.value, offset: d.offset }]);
        if (took) {
          read++;
          expect(one.deadLetters, d.value!.toString('latin1')).toEqual([]);
          expect(w.view().subarray(1).toString('hex'), d.value!.toString('latin1')).toBe(one.body.toString('hex'));
        } else expect(w.length).toBe(1);
        const c = kinds.get(d.kind) ?? { read: 0, other: 0 };
        if (took) c.read++;
        else c.other++;
        kinds.set(d.kind, c);
      }
    }
    // The draw covers both sides: over 10,000 values are read from their bytes, thousands
    // of values (valid and not) are left to today's path, every kind of dead letter occurs.
    expect(read).toBeGreaterThan(10_000);
    expect(rows - read).toBeGreaterThan(3_000);
    expect([...codes].sort()).toEqual(['EMPTY_MESSAGE', 'INVALID_MESSAGE', 'NOT_JSON', 'OUT_OF_RANGE']);
    for (const kind of ['ingest', 'key order', 'keys', 'numbers', 'escapes', 'utf8', 'bytes']) {
      expect(kinds.get(kind)!.read, kind).toBeGreaterThan(50);
      expect(kinds.get(kind)!.other, kind).toBeGreaterThan(50);
    }
    // a value with whitespace, or cut short, is never read from its bytes
    for (const kind of ['whitespace', 'cut']) expect(kinds.get(kind)).toEqual({ read: 0, other: expect.any(Number) });
  });

  it('reads every value ingest writes for a valid report without escapes (its layout: report-json.ts), and bench:sink\'s order (country before text)', () => {
    const next = seededRandom(4);
    for (let i = 0; i < 5000; i++) {
      const textChars = ['a', ' ', 'é', '😀', '中', '~', '\u007f', '\u2028'];
      const text = next() < 0.5 ? undefined : Array.from({ length: Math.floor(next() * 200) }, () => textChars[Math.floor(next() * textChars.length)]).join('');
      const country = next() < 0.5 ? undefined : 'DE';
      const r = reportEvent(
        { id: `id-${i}`, serviceId: 'svc-1', problem: 'login', at: Math.floor(next() * 4_294_967_296_000), reporterId: 'x', ...(text === undefined ? {} : { text }), ...(country === undefined ? {} : { country }) },
        { receivedAt: Math.floor(next() * 4_294_967_296_000), source: 'web', hashReporter: () => 'ab'.repeat(32) },
      );
      const swapped = { ...r };
      if (text !== undefined && country !== undefined) {
        delete swapped.text;
        swapped.text = text; // country first
      }
      for (const value of [ingestBytes(r), Buffer.from(JSON.stringify(swapped))]) {
        const w = new BinaryWriter(16);
        expect(encodePlainReport(w, value, 0, value.length), value.toString()).toBe(true);
        expect(w.view().equals(todays([{ value, offset: '1' }]).body)).toBe(true);
      }
    }
  });

  it('reads a value inside a larger buffer only between its bounds', () => {
    const value = ingestBytes(drawReportPlain());
    const framed = Buffer.concat([Buffer.from('xx'), value, Buffer.from('}}')]);
    const w = new BinaryWriter(16);
    expect(encodePlainReport(w, framed, 2, 2 + value.length)).toBe(true);
    expect(w.view().equals(todays([{ value, offset: '1' }]).body)).toBe(true);
    expect(encodePlainReport(w, framed, 2, 1 + value.length)).toBe(false); // cut before its `}`
    expect(encodePlainReport(w, framed, 2, 3 + value.length)).toBe(false); // a byte after it
  });

  it('copies ingest\'s key order (report-json.ts REQUIRED, reportEvent()\'s)', () => {
    const source = readFileSync(new URL('../../ingest/src/report-json.ts', import.meta.url), 'utf8');
    const required = /const REQUIRED = \[([^\]]*)\] as const;/.exec(source);
    expect(required).not.toBeNull();
    expect(required![1]!.split(',').map((k) => k.trim().replace(/^'|'$/g, ''))).toEqual([...REPORT_KEYS]);
    const r = reportEvent({ id: 'a', serviceId: 'b', problem: 'app', at: 1, reporterId: 'c', text: 't', country: 'US' }, { receivedAt: 2, source: 'web', hashReporter: () => 'h' });
    expect(Object.keys(r)).toEqual([...REPORT_KEYS, 'text', 'country']);
  });

  it('classifies each byte as the schemas\' patterns and JSON.parse do', () => {
    const id = new RegExp(EVENT_ID_PATTERN);
    const slug = new RegExp(SLUG_PATTERN);
    const source = new RegExp(REPORT_SOURCE_PATTERN);
    const country = new RegExp(COUNTRY_PATTERN);
    const plainJson = (c: string) => {
      try {
        return JSON.parse(`"${c}"`) === c;
      } catch {
        return false;
      }
    };
    for (let b = 0; b < 256; b++) {
      const c = String.fromCharCode(b);
      const has = (flag: number) => (CLASS[b]! & flag) !== 0;
      expect(has(ID_CHAR), `byte ${b}`).toBe(id.test(c));
      expect(has(SLUG_FIRST), `byte ${b}`).toBe(slug.test(c));
      expect(has(SLUG_CHAR), `byte ${b}`).toBe(slug.test(`a${c}`));
      expect(has(SOURCE_CHAR), `byte ${b}`).toBe(source.test(c));
      expect(has(COUNTRY_CHAR), `byte ${b}`).toBe(country.test(`${c}A`));
      // a byte of 0x80 or more is never PLAIN: UTF-8 is checked apart, in the text alone
      expect(has(PLAIN), `byte ${b}`).toBe(b < 0x80 && plainJson(c));
    }
  });
});

function drawReportPlain(): ReportEvent {
  return reportEvent(
    { id: 'r-1', serviceId: 'facebook', problem: 'app', at: 1_633_362_000_123, reporterId: 'x', text: 'é down', country: 'US' },
    { receivedAt: 1_633_362_001_000, source: 'web', hashReporter: () => 'f0'.repeat(32) },
  );
}
