import { describe, expect, it } from 'vitest';
import { seededRandom } from '@downradar/common/seeded-random';
import { reportEvent } from '@downradar/common/report-event';
import type { ReportEvent } from '../../../schemas/events/index';
import { ReportJsonWriter } from './report-json';

/** What the reports topic held before: JSON.stringify's UTF-8. */
const expected = (r: unknown) => Buffer.from(JSON.stringify(r), 'utf8');
const asBytes = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

function drawString(next: () => number, max: number): string {
  const pieces = ['a', 'Z', '0', ' ', '-', '_', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u0080', 'é', 'ß', '€', '\u2028', '😀', '\ud800', '\udfff', '\ufeff', '#', '{', '}'];
  const n = Math.floor(next() * (max + 1));
  let s = '';
  // mostly plain ASCII (the common case), sometimes any of the pieces
  const plain = next() < 0.6;
  for (let i = 0; i < n; i++) s += plain ? String.fromCharCode(32 + Math.floor(next() * 95)).replace(/["\\]/, 'x') : pieces[Math.floor(next() * pieces.length)]!;
  return s;
}

function drawNumber(next: () => number): number {
  const kinds = [0, 1, 1_633_362_000_000, 8_640_000_000_000_000, Number.MAX_SAFE_INTEGER, Math.floor(next() * 2 ** 53), Math.floor(next() * 1e6), -5, 1.5, -0, 2 ** 60, 1e21, NaN, Infinity];
  return next() < 0.7 ? Math.floor(next() * 2 * 1_633_362_000_000) : kinds[Math.floor(next() * kinds.length)]!;
}

function drawReport(next: () => number): ReportEvent {
  return reportEvent(
    {
      id: drawString(next, 140),
      serviceId: drawString(next, 40),
      problem: next() < 0.8 ? 'app' : (drawString(next, 20) as never),
      at: drawNumber(next),
      reporterId: drawString(next, 30),
      text: next() < 0.3 ? undefined : drawString(next, 600),
      country: next() < 0.3 ? undefined : drawString(next, 3),
    },
    { receivedAt: drawNumber(next), source: next() < 0.5 ? 'api' : drawString(next, 8), hashReporter: (id) => (next() < 0.9 ? 'f'.repeat(32) : id) },
  );
}

describe('ReportJsonWriter', () => {
  it("writes JSON.stringify's bytes for drawn reports, across chunks, and never changes bytes it handed out", () => {
    const next = seededRandom(1217);
    const writer = new ReportJsonWriter();
    const written: { value: Buffer | string; want: Buffer }[] = [];
    let views = 0;
    for (let i = 0; i < 20_000; i++) {
      const r = drawReport(next);
      const value = writer.write(r);
      if (typeof value !== 'string') views++;
      written.push({ value, want: expected(r) });
    }
    // every report made by reportEvent() is written as bytes, not by the fallback
    expect(views).toBe(20_000);
    // compared only now: a later write (or a new chunk) must not have touched earlier values
    for (const { value, want } of written) expect(asBytes(value).equals(want)).toBe(true);
  });

  it("writes JSON.stringify's bytes when receivedAt and source repeat, change back and forth, or are not plain", () => {
    // The bytes of `,"receivedAt":<n>,"reporterHash":` and `,"source":...` are kept from one
    // report to the next: every switch between kept and unusual values must still write the report's own.
    const next = seededRandom(1718);
    const times = [1_700_000_000_000, 1_700_000_000_001, 0, 1.5, -0, -3, NaN, 2 ** 60, Number.MAX_SAFE_INTEGER];
    const sources = ['api', 'replay', 'web', 'a"b', 'back\\slash', 'é', '\u0001', ''];
    const writer = new ReportJsonWriter();
    const written: { value: Buffer | string; want: Buffer }[] = [];
    for (let i = 0; i < 5_000; i++) {
      const receivedAt = next() < 0.7 ? times[0]! : times[Math.floor(next() * times.length)]!;
      const source = next() < 0.7 ? 'api' : sources[Math.floor(next() * sources.length)]!;
      const r = reportEvent(
        { id: `r-${i}`, serviceId: 'facebook', problem: 'app', at: 1_633_273_359_560 + i, reporterId: `u${i}`, country: 'US' },
        { receivedAt, source, hashReporter: () => '0123456789abcdef0123456789abcdef' },
      );
      written.push({ value: writer.write(r), want: expected(r) });
    }
    for (const { value, want } of written) expect(asBytes(value).toString('utf8')).toBe(want.toString('utf8'));
  });

  it('gives objects that are not shaped as reportEvent() makes them to JSON.stringify', () => {
    const writer = new ReportJsonWriter();
    const base = reportEvent({ id: 'r-1', serviceId: 'facebook', problem: 'app', at: 1, reporterId: 'x', text: 't', country: 'US' }, { receivedAt: 2, source: 'api', hashReporter: () => 'h' });
    const { text, country, ...required } = base;
    const odd: unknown[] = [
      { serviceId: base.serviceId, id: base.id, problem: base.problem, at: 1, receivedAt: 2, reporterHash: 'h', source: 'api' }, // keys in another order
      { ...required, country, text }, // country before text
      { ...base, extra: 1 },
      { ...required, text: undefined, country }, // an optional key holding undefined: left out by both
      { ...required, at: '1' },
      { ...required, source: undefined },
      Object.assign(Object.create({ inherited: 1 }), base),
      { ...required, receivedAt: { toJSON: () => 5 } },
    ];
    for (const r of odd) expect(asBytes(writer.write(r as ReportEvent)).equals(expected(r))).toBe(true);
    expect(typeof writer.write(odd[0] as ReportEvent)).toBe('string');
    expect(typeof writer.write(odd[2] as ReportEvent)).toBe('string');
    expect(typeof writer.write({ ...required, text } as ReportEvent)).not.toBe('string');
  });
});
