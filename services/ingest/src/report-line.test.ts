/**
 * The one pass over a batch line's report (steps.ts reportLineStep / plainReportEvent) against the
 * general way it replaced (ajv's ReportInput check, then toReportEvent): over many drawn good and
 * bad lines, the same result (event or rejection: code, field, reason), and through the app the
 * same bytes to Kafka and the same rejections as the general way gives.
 */
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { compileValidator, createLogger, hashApiKey, loadApiKeys, reporterHasher, topicNames, type OutMessage, type Producer } from '@downradar/common';
import { createUnderstanding } from '@downradar/nlp';
import { loadCatalog } from '../../../schemas/catalog/index';
import { ReportInput, type ReportEvent } from '../../../schemas/events/index';
import { buildApp } from './app';
import { groupEvents, outgoing, type Pending } from './produce';
import { roomyOptions } from './testing/in-process-app';
import { plainReportEvent, reject, reportLineStep, toReportEvent, type StepResult } from './steps';
import { seededRandom } from '@downradar/common/seeded-random';
import type { HttpError } from '@downradar/common/http';
import { parseJsonStrict } from './body';
import { reportTextReader } from './report-line-scan';

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

/** The messages a batch writes, through the app with nlp's understanding and a producer that keeps them. */
async function batchThroughApp(path: string, body: string): Promise<{ answer: { accepted: number; rejected: number; rejections: unknown[] }; messages: OutMessage[] }> {
  const messages: OutMessage[] = [];
  const producer: Producer = {
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    connect: async () => undefined,
    close: async () => undefined,
    send: async (ms: OutMessage[]) => void messages.push(...ms),
  };
  const app = await buildApp({
    options: { ...roomyOptions, batchMaxLines: 5000, batchMaxBytes: 8 << 20 },
    producer,
    topics: topicNames('t'),
    understanding: { signalForReport: (r) => nlp.signalForReport(r), readPost: (p) => nlp.readPost(p, p.receivedAt) },
    services,
    hashReporter,
    apiKeys: loadApiKeys({ hashes: [`${hashApiKey(KEY)}:feed`] }),
    logger: createLogger('test', 'silent'),
    registry: new Registry(),
    kafkaReady: async () => true,
    now: () => NOW,
  });
  try {
    const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-ndjson', 'x-api-key': KEY }, payload: body });
    expect(res.statusCode).toBe(202);
    return { answer: res.json(), messages };
  } finally {
    await app.close();
  }
}

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

/** The batch's answer and messages are what the general way gives: the same rejections, and the same topics, keys and bytes in the same order. */
function expectWrittenAlike(
  got: { answer: { accepted: number; rejected: number; rejections: unknown[] }; messages: OutMessage[] },
  expected: { rejections: unknown[]; messages: OutMessage[] },
): void {
  const { answer, messages } = got;
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
}

describe('NDJSON report batches with the one pass', () => {
  for (const [path, wrap] of [['/v1/reports/batch', false], ['/v1/events/batch', true]] as const) {
    it(`write the same bytes to Kafka and the same rejections as the general way (${path})`, async () => {
      const next = seededRandom(path.length);
      const values = Array.from({ length: 3000 }, () => drawValue(next));
      const body = values.map((v) => JSON.stringify(wrap ? { report: v } : v)).join('\n');
      expectWrittenAlike(await batchThroughApp(path, body), writtenTheGeneralWay(values, wrap));
    });
  }
});

/**
 * A drawn line as text, written the many ways JSON allows (and some it does not): whitespace
 * between the parts, escaped characters, numbers with a fraction, an exponent, a sign or a leading
 * zero, a repeated key, a trailing comma, a cut line. report-line-scan.ts reads some of these from
 * the text and must then give what parsing the line and the general way give.
 */
function drawText(next: () => number, wrap: boolean): string {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const value = drawValue(next);
  const ws = () => (next() < 0.85 ? '' : pick([' ', '  ', '\t', '\r', ' \r\t']));
  const str = (x: string) => {
    const plain = JSON.stringify(x);
    const r = next();
    if (r < 0.04) return plain.replace(/[a-z]/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`); // an escaped letter
    if (r < 0.06) return plain.slice(0, -1) + '\\/"'; // an escaped slash
    if (r < 0.07) return plain.slice(0, -1) + '\u0001"'; // a raw control character (not JSON)
    return plain;
  };
  const num = (x: number) => {
    const r = next();
    if (r < 0.03) return `${x}.0`;
    if (r < 0.05) return `${x / 1000}e3`;
    if (r < 0.07) return `0${x}`;
    if (r < 0.08) return `-${x}`;
    if (r < 0.09) return `${x}0000`;
    return JSON.stringify(x);
  };
  const render = (v: unknown): string => {
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number') return num(v);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return JSON.stringify(v);
    const parts = Object.entries(v).map(([k, x]) => `${ws()}${next() < 0.01 ? str(k) : JSON.stringify(k)}${ws()}:${ws()}${render(x)}${ws()}`);
    if (next() < 0.03 && parts.length > 0) parts.push(parts[Math.floor(next() * parts.length)]!); // a repeated key
    if (next() < 0.02) parts.push(`${ws()}"__proto__":{}`);
    return `{${parts.join(',')}${next() < 0.01 ? ',' : ''}}`;
  };
  let text = wrap ? `{${ws()}"report"${ws()}:${ws()}${render(value)}${ws()}}` : render(value);
  if (next() < 0.01) text = text.slice(0, Math.floor(next() * text.length)); // cut
  if (next() < 0.01) text += pick(['x', '}', ',{}', ' {}']);
  return text.trim() || '{}';
}

describe("a batch line's report read from its text", () => {
  it('gives, for every line it reads, the event that parsing the line and the general way give', () => {
    const next = seededRandom(29);
    const reader = reportTextReader({ services, hashReporter });
    let read = 0;
    let generalOnly = 0;
    for (let i = 0; i < 40_000; i++) {
      const wrap = next() < 0.3;
      const text = drawText(next, wrap);
      const replay = next() < 0.3;
      const t = NOW + Math.floor(i / 1000);
      let expected: StepResult<ReportEvent> | undefined;
      try {
        const parsed = parseJsonStrict(text, '(line)');
        if (!wrap) expected = generalStep(parsed, t, replay);
        else if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.keys(parsed).length === 1 && 'report' in parsed) expected = generalStep((parsed as { report: unknown }).report, t, replay);
      } catch {
        expected = undefined; // not JSON, or a forbidden key: the line is refused
      }
      const got = wrap ? reader.wrappedReport(text, t, replay) : reader.report(text, t, replay);
      if (got) {
        read++;
        expect(expected?.ok, text).toBe(true);
        expect(JSON.stringify(got), text).toBe(JSON.stringify(expected!.ok && expected!.value));
      } else if (expected?.ok) generalOnly++;
    }
    // many good lines are read from the text; many are not (the pools' values are often escaped when written)
    expect(read).toBeGreaterThan(5_000);
    expect(generalOnly).toBeGreaterThan(1_000);
  });

  it('reads the lines a client writes with JSON.stringify', () => {
    const reader = reportTextReader({ services, hashReporter });
    const v = { id: 'r-1', serviceId: 'facebook', problem: 'app', reporterId: 'alice', text: 'down again 😭', country: 'US', at: NOW - 1000 };
    expect(reader.report(JSON.stringify(v), NOW, false)).toEqual((generalStep(v, NOW, false) as { value: ReportEvent }).value);
    expect(reader.wrappedReport(JSON.stringify({ report: v }), NOW, false)).toEqual((generalStep(v, NOW, false) as { value: ReportEvent }).value);
    expect(reader.report(JSON.stringify({ ...v, text: 'a "quoted" word' }), NOW, false)).toBeUndefined(); // an escape: parsed
    expect(reader.wrappedReport(JSON.stringify({ post: v }), NOW, false)).toBeUndefined();
  });
});

/** What a batch of these texts wrote before lines were read from their text: each line parsed, checked the general way, grouped as produce.ts groups them. */
function textsWrittenTheGeneralWay(texts: string[], wrap: boolean) {
  const values: unknown[] = [];
  const early: { line: number; code: string; field: string; reason: string }[] = [];
  texts.forEach((text, i) => {
    try {
      const parsed = parseJsonStrict(text, '(line)');
      values.push(wrap ? (parsed as { report: unknown }).report : parsed);
    } catch (err) {
      const e = err as HttpError;
      early.push({ line: i + 1, code: e.code, field: '(line)', reason: e.message.replace(/^\(line\) /, '') });
      values.push(undefined);
    }
  });
  const w = writtenTheGeneralWay(values, wrap);
  // the lines that did not parse are rejected in their place
  const rejections = [...early, ...w.rejections.filter((r) => !early.some((e) => e.line === r.line))].sort((a, b) => a.line - b.line);
  return { rejections, messages: w.messages };
}

describe('NDJSON report batches read from their text', () => {
  for (const [path, wrap] of [['/v1/reports/batch', false], ['/v1/events/batch', true]] as const) {
    it(`write the same bytes to Kafka and the same rejections as parsing every line (${path})`, async () => {
      const next = seededRandom(path.length + 100);
      // lines that parse as the route wants them: a report object (wrapped for /v1/events/batch), written in drawn ways
      const texts: string[] = [];
      while (texts.length < 3000) {
        const text = drawText(next, wrap);
        if (text.includes('\n')) continue; // a raw line feed (in a value written unescaped) would end the line
        try {
          const parsed = parseJsonStrict(text, '(line)') as Record<string, unknown>;
          if (wrap && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length !== 1 || !('report' in parsed))) continue;
        } catch {
          if (next() < 0.7) continue; // some lines that are not JSON stay
        }
        texts.push(text);
      }
      expectWrittenAlike(await batchThroughApp(path, texts.join('\n')), textsWrittenTheGeneralWay(texts, wrap));
    });
  }
});
