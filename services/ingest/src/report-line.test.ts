/**
 * The one pass over a batch line's report (steps.ts reportLineStep / plainReportEvent) against the
 * general way it replaced (ajv's ReportInput check, then toReportEvent): over many drawn good and
 * bad lines, the same result (event or rejection: code, field, reason), and through the app the
 * same bytes to Kafka and the same rejections as the general way gives.
 */
import { describe, expect, it } from 'vitest';
import { compileValidator, reporterHasher, topicNames } from '@downradar/common';
import { createUnderstanding } from '@downradar/nlp';
import { loadCatalog } from '../../../schemas/catalog/index';
import { ReportInput, type ReportEvent } from '../../../schemas/events/index';
import { groupEvents, outgoing, type Pending } from './produce';
import { batchThroughApp } from './testing/batch-through-app';
import { plainReportEvent, reject, reportLineStep, toReportEvent, type StepResult } from './steps';
import { seededRandom } from '@downradar/common/seeded-random';

const catalog = loadCatalog();
const services = { problemsOf: (id: string) => catalog.get(id)?.problems };
const hashReporter = reporterHasher('salt-of-the-test');
const nlp = createUnderstanding({ catalog });
const NOW = Date.UTC(2021, 9, 4, 15, 45);

/** The batch step as it was: the schema check, then toReportEvent. */
const checkInput = compileValidator(ReportInput);
function generalStep(value: unknown, t: number, replay: boolean): StepResult<ReportEvent> {
  const c = checkInput(value);
  if (!c.ok) return reject('BAD_FIELD', c.field, c.reason);
  return toReportEvent(c.value, { now: t, services, hashReporter, source: replay ? 'replay' : 'api', replay });
}


const ABSENT = Symbol('absent');
/** An id no other line has (most lines; a few share one, as resent reports do). */
const UNIQUE = Symbol('unique');
let drawn = 0;
const someService = catalog.services.map((s) => s.id);
/** Per field: values ReportInput and toReportEvent accept (given good other fields), and values they refuse. */
const pools: Record<string, { good: unknown[]; bad: unknown[] }> = {
  id: { good: [ABSENT, UNIQUE, UNIQUE, UNIQUE, UNIQUE, 'r-1', 'a0-1000017', 'x'.repeat(128), 'ok.id:1_2-3'], bad: ['x'.repeat(129), '', 'has space', 'ünï', 'a/b', 5, null, true] },
  serviceId: { good: ['facebook', 'whatsapp', 'instagram', someService[7], someService[someService.length - 1]], bad: ['not-a-service', 'Facebook', '', '-x', 'a'.repeat(64), 5, null, ABSENT] },
  problem: { good: ['app', 'login', 'server_connection', 'messaging', 'website', 'other', 'other'], bad: ['bogus', '', 'APP', 3, null, ABSENT] },
  text: {
    good: [
      ABSENT, ABSENT, 'app keeps crashing since this afternoon', '', 'a'.repeat(500), '😭'.repeat(250), '😭'.repeat(300), 'é'.repeat(500),
      'quote " backslash \\ slash / tab \t newline \n return \r', 'lone \ud800 surrogate', 'line sep \u2028 para \u2029',
      '#whatsappdown since 3pm', 'c# and f#', 'LINEが使えない #LINE障害', 'ＷhatsApp ＃whatsappdown', '<script>alert(1)</script>',
    ],
    bad: ['a'.repeat(501), '😭'.repeat(501), 'bell \u0007', 'nul \u0000', 'del \u007f', 42, null, ['a']],
  },
  country: { good: [ABSENT, ABSENT, 'US', 'GB', 'BR'], bad: ['us', 'USA', '', 'U', 5, null] },
  at: {
    good: [ABSENT, ABSENT, NOW, NOW - 60_000, NOW + 4 * 60_000, NOW - 6 * 86_400_000, -0, NOW + 5 * 60_000 + 10, NOW - 7 * 86_400_000 + 10], // the last two: on, before and after a bound as the drawn now moves (by up to 29 ms)
    bad: [NOW + 6 * 60_000, NOW - 8 * 86_400_000, 0, -1, 1.5, 8_640_000_000_000_000, 8_640_000_000_000_001, String(NOW), null, 1e21],
  },
  reporterId: { good: ['alice', 'reporter-17', 'r'.repeat(200), '😭'.repeat(100), '😭'.repeat(150), 'new\nline', 'quote"d'], bad: ['', 'r'.repeat(201), '😭'.repeat(201), 'ctrl \u0001', 5, null, ABSENT] },
};

/** A drawn line: each field good or (sometimes) bad, now and then an unknown field or not an object at all. */
function drawValue(next: () => number): unknown {
  const pick = (xs: unknown[]) => xs[Math.floor(next() * xs.length)];
  if (next() < 0.02) return pick([null, [], 'a string', 5, true, [{ serviceId: 'facebook' }]]);
  const v: Record<string, unknown> = {};
  // fields in a drawn order: the event's own order must not depend on the line's
  for (const k of Object.keys(pools).sort(() => next() - 0.5)) {
    const x = pick(next() < 0.06 ? pools[k]!.bad : pools[k]!.good);
    if (x === UNIQUE) v[k] = `u-${drawn++}`;
    else if (x !== ABSENT) v[k] = x;
  }
  if (next() < 0.03) v[pick(['extra', 'reporterHash', 'source', 'receivedAt']) as string] = 'x';
  return v;
}

describe("a batch line's report in one pass", () => {
  it('gives what the schema check and toReportEvent give, for many drawn good and bad lines', () => {
    const next = seededRandom(17);
    const step = reportLineStep({ services, hashReporter });
    const plain = plainReportEvent({ services, hashReporter });
    const codes = new Map<string, number>();
    let accepted = 0;
    let onePass = 0;
    for (let i = 0; i < 30_000; i++) {
      // as the route gets it: the line's text parsed
      const line = JSON.stringify(drawValue(next));
      const replay = next() < 0.3;
      const t = NOW + Math.floor(i / 1000);
      const expected = generalStep(JSON.parse(line), t, replay);
      const got = step(JSON.parse(line), t, replay);
      // the same result, keys in the same order
      expect(JSON.stringify(got), line).toBe(JSON.stringify(expected));
      if (got.ok) {
        accepted++;
        if (plain(JSON.parse(line), t, replay)) onePass++;
      } else {
        codes.set(got.code, (codes.get(got.code) ?? 0) + 1);
        expect(plain(JSON.parse(line), t, replay), line).toBeUndefined();
      }
    }
    // both ways and every kind of rejection were exercised
    expect(accepted).toBeGreaterThan(10_000);
    expect(onePass).toBeGreaterThan(accepted * 0.7);
    expect(onePass).toBeLessThan(accepted);
    for (const code of ['BAD_FIELD', 'UNKNOWN_SERVICE', 'UNKNOWN_PROBLEM', 'BAD_TEXT', 'TIME_IN_FUTURE', 'TIME_TOO_OLD']) expect(codes.get(code) ?? 0, code).toBeGreaterThan(10);
  });

  it('takes a plainly good line in the one pass', () => {
    const plain = plainReportEvent({ services, hashReporter });
    const ev = plain({ serviceId: 'facebook', problem: 'app', reporterId: 'alice', text: 'down', country: 'US' }, NOW, false);
    expect(ev).toBeDefined();
    expect({ ok: true, value: ev }).toEqual(generalStep({ serviceId: 'facebook', problem: 'app', reporterId: 'alice', text: 'down', country: 'US' }, NOW, false));
    expect(plain({ id: 'r-1', serviceId: 'facebook', problem: 'other', reporterId: 'a', at: NOW - 1000 }, NOW, false)?.source).toBe('api');
    expect(plain({ id: 'r-1', serviceId: 'facebook', problem: 'other', reporterId: 'a', at: NOW - 8 * 86_400_000 }, NOW, true)?.source).toBe('replay');
  });
});

const KEY = 'drk_key_of_the_report_line_test';

/** What the batch wrote before the one pass: each line checked the general way, the objects stringified, grouped as produce.ts groups them. */
function writtenTheGeneralWay(values: unknown[], wrap: boolean) {
  const pending: Pending[] = [];
  const rejections: { line: number; code: string; field: string; reason: string }[] = [];
  const seen = new Set<string>();
  values.forEach((v, i) => {
    const r = generalStep(v, NOW, false);
    if (!r.ok) {
      rejections.push({ line: i + 1, code: r.code, field: wrap ? `report.${r.field}` : r.field, reason: r.reason });
      return;
    }
    if (seen.has(r.value.id)) return;
    seen.add(r.value.id);
    const s = nlp.signalForReport(r.value);
    // JSON.stringify's bytes: ingest hands the report's JSON over as bytes (report-json.ts), and a
    // group's budget counts them (a text's UTF-8 may be longer than its characters)
    pending.push({ id: r.value.id, messages: [{ topic: 't.reports', key: r.value.serviceId, value: Buffer.from(JSON.stringify(r.value), 'utf8') }], signals: [outgoing(s)] });
  });
  return { rejections, messages: groupEvents(pending, topicNames('t').signals).flatMap((g) => g.messages) };
}

describe('NDJSON report batches with the one pass', () => {
  for (const [path, wrap] of [['/v1/reports/batch', false], ['/v1/events/batch', true]] as const) {
    it(`write the same bytes to Kafka and the same rejections as the general way (${path})`, async () => {
      const next = seededRandom(path.length);
      const values = Array.from({ length: 3000 }, () => drawValue(next));
      const body = values.map((v) => JSON.stringify(wrap ? { report: v } : v)).join('\n');
      const { answer, messages } = await batchThroughApp(path, body, { nlp, services, hashReporter, key: KEY, now: NOW, batchMaxBytes: 8 << 20 });
      const expected = writtenTheGeneralWay(values, wrap);
      expect(answer.rejected).toBe(expected.rejections.length);
      expect(answer.rejections).toEqual(expected.rejections.slice(0, 1000));
      expect(answer.accepted).toBeGreaterThan(500);
      expect(messages.length).toBe(expected.messages.length);
      for (let i = 0; i < messages.length; i++) {
        expect(messages[i]!.topic).toBe(expected.messages[i]!.topic);
        expect(messages[i]!.key).toBe(expected.messages[i]!.key);
        // the same bytes (ingest writes a report's JSON as bytes, the signal batches are bytes)
        expect(Buffer.from(messages[i]!.value).equals(Buffer.from(expected.messages[i]!.value))).toBe(true);
      }
    });
  }
});
