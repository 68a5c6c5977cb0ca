/**
 * The one pass over a batch line's post (steps.ts postLineStep / plainPostEvent) against the
 * general way it replaced (ajv's PostInput check, then toPostEvent): over many drawn good and bad
 * posts, the same result (the event with its keys in the same order, or the same rejection: code,
 * field, reason), and through the app the same bytes to Kafka and the same rejections as the
 * general way gives, on /v1/events/batch and /v1/posts/batch.
 */
import { describe, expect, it } from 'vitest';
import { compileValidator, reporterHasher, topicNames } from '@downradar/common';
import { createUnderstanding } from '@downradar/nlp';
import { seededRandom } from '@downradar/common/seeded-random';
import { loadCatalog } from '../../../schemas/catalog/index';
import { PostInput, type PostEvent } from '../../../schemas/events/index';
import { groupEvents, outgoing, type Pending } from './produce';
import { plainPostEvent, postLineStep, reject, toPostEvent, type StepResult } from './steps';
import { batchThroughApp } from './testing/batch-through-app';

const catalog = loadCatalog();
const nlp = createUnderstanding({ catalog });
const NOW = Date.UTC(2021, 9, 4, 15, 45);

/** The batch step as it was: the schema check, then toPostEvent. */
const checkInput = compileValidator(PostInput);
function generalStep(value: unknown, t: number, replay: boolean): StepResult<PostEvent> {
  const c = checkInput(value);
  if (!c.ok) return reject('BAD_FIELD', c.field, c.reason);
  return toPostEvent(c.value, t, replay);
}

const ABSENT = Symbol('absent');
const UNIQUE = Symbol('unique');
let drawn = 0;
const ID_GOOD = [UNIQUE, UNIQUE, UNIQUE, 'p-1', 'a0-1000017', 'x'.repeat(128), 'ok.id:1_2-3'];
const ID_BAD = ['x'.repeat(129), '', 'has space', 'ünï', 'a/b', 5, null, true];
/** Per field: values PostInput and toPostEvent accept (given good other fields), and values they refuse. */
const pools: Record<string, { good: unknown[]; bad: unknown[] }> = {
  // mostly unique ids: a few repeat, as resent posts do (a batch stores each id once)
  id: { good: [...ID_GOOD, ...Array<symbol>(30).fill(UNIQUE)], bad: [...ID_BAD, ABSENT] },
  at: {
    good: [NOW, NOW - 60_000, NOW + 4 * 60_000, NOW - 6 * 86_400_000, -0, NOW + 5 * 60_000 + 10, NOW - 7 * 86_400_000 + 10],
    bad: [NOW + 6 * 60_000, NOW - 8 * 86_400_000, 0, -1, 1.5, 8_640_000_000_000_000, 8_640_000_000_000_001, String(NOW), null, 1e21, ABSENT],
  },
  text: {
    good: [
      'facebook is down', 'is whatsapp down?? #whatsappdown', 'a', 'a'.repeat(5000), '😭'.repeat(2500), '😭'.repeat(2600), 'é'.repeat(5000),
      'quote " backslash \\ slash / tab \t newline \n return \r', 'lone \ud800 surrogate', 'line sep \u2028 para \u2029',
      'インスタが落ちてる', 'الواتساب عندي واقف', 'ＷhatsApp ＃whatsappdown', '<script>alert(1)</script>',
    ],
    bad: ['', 'a'.repeat(5001), '😭'.repeat(5001), 'bell \u0007', 'nul \u0000', 'del \u007f', 42, null, ['a'], ABSENT],
  },
  lang: { good: [ABSENT, ABSENT, 'en', 'pt', 'hi-Latn', 'pt-BR', 'fil', 'zh-Hans123'], bad: ['EN', 'e', 'english', 'en_US', 'en-', 'en-x', 'en-123456789', '', 5, null] },
  source: { good: ['replay', 'twitter', 'bluesky', 'mastodon', 'a_b-c', 'x'.repeat(32)], bad: ['', 'Twitter', 'x'.repeat(33), 'a b', 5, null, ABSENT] },
  authorHash: { good: ['a1b2', 'h'.repeat(128), '😭'.repeat(64), '😭'.repeat(100), 'new\nline', 'quote"d'], bad: ['', 'h'.repeat(129), '😭'.repeat(129), 'ctrl \u0001', 5, null, ABSENT] },
  country: { good: [ABSENT, ABSENT, 'US', 'GB', 'BR'], bad: ['us', 'USA', '', 'U', 5, null] },
  replyTo: { good: [ABSENT, ABSENT, ABSENT, ...ID_GOOD], bad: ID_BAD },
  repostOf: { good: [ABSENT, ABSENT, ABSENT, ...ID_GOOD], bad: ID_BAD },
};

/** A drawn post: each field good or (sometimes) bad, now and then an unknown field or not an object at all. */
function drawValue(next: () => number): unknown {
  const pick = (xs: unknown[]) => xs[Math.floor(next() * xs.length)];
  if (next() < 0.02) return pick([null, [], 'a string', 5, true, [{ text: 'facebook down' }]]);
  const v: Record<string, unknown> = {};
  // fields in a drawn order: the event keeps the line's order (toPostEvent's spread does)
  for (const k of Object.keys(pools).sort(() => next() - 0.5)) {
    const x = pick(next() < 0.05 ? pools[k]!.bad : pools[k]!.good);
    if (x === UNIQUE) v[k] = `u-${drawn++}`;
    else if (x !== ABSENT) v[k] = x;
  }
  if (next() < 0.03) v[pick(['extra', 'receivedAt', 'detectedLang', 'reporterId', 'serviceId']) as string] = 'x';
  return v;
}

describe("a batch line's post in one pass", () => {
  it('gives what the schema check and toPostEvent give, for many drawn good and bad posts', () => {
    const next = seededRandom(23);
    const step = postLineStep();
    const codes = new Map<string, number>();
    let accepted = 0;
    let onePass = 0;
    for (let i = 0; i < 30_000; i++) {
      const line = JSON.stringify(drawValue(next));
      const replay = next() < 0.3;
      const t = NOW + Math.floor(i / 1000);
      const expected = generalStep(JSON.parse(line), t, replay);
      const got = step(JSON.parse(line), t, replay);
      // the same result, keys in the same order
      expect(JSON.stringify(got), line).toBe(JSON.stringify(expected));
      if (got.ok) {
        accepted++;
        if (plainPostEvent(JSON.parse(line), t, replay)) onePass++;
      } else {
        codes.set(got.code, (codes.get(got.code) ?? 0) + 1);
        expect(plainPostEvent(JSON.parse(line), t, replay), line).toBeUndefined();
      }
    }
    // both ways and every kind of rejection were exercised
    expect(accepted).toBeGreaterThan(10_000);
    expect(onePass).toBeGreaterThan(accepted * 0.7);
    expect(onePass).toBeLessThan(accepted);
    for (const code of ['BAD_FIELD', 'BAD_TEXT', 'TIME_IN_FUTURE', 'TIME_TOO_OLD']) expect(codes.get(code) ?? 0, code).toBeGreaterThan(10);
  });

  it('takes a plainly good post in the one pass, with its keys in the line\'s order and receivedAt last', () => {
    const value = { text: 'facebook down', id: 'p-1', source: 'replay', at: NOW - 1000, authorHash: 'a1', country: 'US', lang: 'en' };
    const ev = plainPostEvent(value, NOW, false);
    expect(ev).toBeDefined();
    expect(Object.keys(ev!)).toEqual(['text', 'id', 'source', 'at', 'authorHash', 'country', 'lang', 'receivedAt']);
    expect(ev).not.toBe(value);
    expect({ ok: true, value: ev }).toEqual(generalStep(value, NOW, false));
    expect(plainPostEvent({ ...value, at: NOW - 8 * 86_400_000 }, NOW, false)).toBeUndefined();
    expect(plainPostEvent({ ...value, at: NOW - 8 * 86_400_000 }, NOW, true)?.receivedAt).toBe(NOW);
  });
});

const KEY = 'drk_key_of_the_post_line_test';

/** What the batch wrote before: each line checked the general way, the post's JSON as `{...ev, detectedLang}`, grouped as produce.ts groups them. */
function writtenTheGeneralWay(values: unknown[], wrap: boolean) {
  const pending: Pending[] = [];
  const rejections: { line: number; code: string; field: string; reason: string }[] = [];
  const seen = new Set<string>();
  values.forEach((v, i) => {
    const r = generalStep(v, NOW, false);
    if (!r.ok) {
      rejections.push({ line: i + 1, code: r.code, field: wrap ? `post.${r.field}` : r.field, reason: r.reason });
      return;
    }
    if (seen.has(r.value.id)) return;
    seen.add(r.value.id);
    const { language, signals } = nlp.readPost(r.value, r.value.receivedAt);
    pending.push({ id: 'p:' + r.value.id, messages: [{ topic: 't.posts', key: r.value.id, value: JSON.stringify({ ...r.value, detectedLang: language }) }], signals: signals.map(outgoing) });
  });
  return { rejections, messages: groupEvents(pending, topicNames('t').signals).flatMap((g) => g.messages) };
}

describe('NDJSON post batches with the one pass', () => {
  for (const [path, wrap] of [['/v1/posts/batch', false], ['/v1/events/batch', true]] as const) {
    it(`write the same bytes to Kafka and the same rejections as the general way (${path})`, async () => {
      const next = seededRandom(path.length + 100);
      const values = Array.from({ length: 3000 }, () => drawValue(next));
      const body = values.map((v) => JSON.stringify(wrap ? { post: v } : v)).join('\n');
      const { answer, messages } = await batchThroughApp(path, body, { nlp, services: { problemsOf: (id) => catalog.get(id)?.problems }, hashReporter: reporterHasher('salt-of-the-test'), key: KEY, now: NOW, batchMaxBytes: 32 << 20 });
      const expected = writtenTheGeneralWay(values, wrap);
      expect(answer.rejected).toBe(expected.rejections.length);
      expect(answer.rejections).toEqual(expected.rejections.slice(0, 1000));
      expect(answer.accepted).toBeGreaterThan(900);
      expect(messages.length).toBe(expected.messages.length);
      expect(messages.filter((m) => m.topic === 't.signals').length).toBeGreaterThan(0);
      for (let i = 0; i < messages.length; i++) {
        expect(messages[i]!.topic).toBe(expected.messages[i]!.topic);
        expect(messages[i]!.key).toBe(expected.messages[i]!.key);
        expect(Buffer.from(messages[i]!.value).equals(Buffer.from(expected.messages[i]!.value))).toBe(true);
      }
    });
  }
});
