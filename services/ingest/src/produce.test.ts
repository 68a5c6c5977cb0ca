import { describe, expect, it, vi } from 'vitest';
import { createLogger, encodeSignalBatch, isBinarySignalMessage, readSignalMessage, Registry, SIGNAL_BATCH_SPAN_MS, type OutMessage, type Producer, type SendOptions } from '@downradar/common';
import { HttpError } from '@downradar/common/http';
import type { SignalEvent } from '../../../schemas/events/index';
import { createIngestMetrics } from './metrics';
import { seededRandom } from '@downradar/common/seeded-random';
import type { PostEvent } from '../../../schemas/events/index';
import { GROUP_MAX_CHARS, createProduce, groupEvents, outgoing, postJson, type Pending } from './produce';
import { RecentIds } from './recent-ids';

const T0 = Date.UTC(2021, 9, 4, 15, 40);

function signal(id: string, serviceId: string, at: number): SignalEvent {
  return { id, sourceId: id, serviceId, kind: 'report', at, receivedAt: at, outage: true, problem: 'app', confidence: 1, hashtags: [] };
}

function event(id: string, serviceIds: string[], at: number, pad = 0): Pending {
  return {
    id,
    messages: [{ topic: 't.reports', key: serviceIds[0] ?? null, value: JSON.stringify({ id, pad: 'x'.repeat(pad) }) }],
    signals: serviceIds.map((s) => {
      return outgoing(signal(`${id}:${s}`, s, at));
    }),
  };
}

/** The ids of the signals in one signals message, whatever its form. */
function idsIn(value: OutMessage['value']): string[] {
  const read = readSignalMessage(value as Buffer | string);
  if (!read.ok) throw new Error(read.reason);
  return read.items.map((item) => {
    if (!item.ok) throw new Error(item.reason);
    return item.value.id;
  });
}

/** Every signal of the groups, per service in message order. */
function signalsByService(groups: ReturnType<typeof groupEvents>) {
  const out = new Map<string, string[]>();
  for (const g of groups)
    for (const m of g.messages) {
      if (m.topic !== 't.signals') continue;
      const read = readSignalMessage(m.value);
      if (!read.ok) throw new Error(read.reason);
      for (const item of read.items) {
        if (!item.ok) throw new Error(item.reason);
        expect(item.value.serviceId).toBe(m.key);
        let list = out.get(m.key!);
        if (!list) out.set(m.key!, (list = []));
        list.push(item.value.id);
      }
    }
  return out;
}

describe('postJson', () => {
  it("is JSON.stringify of the post with detectedLang added, for drawn posts and odd objects", () => {
    const next = seededRandom(5);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
    const texts = ['facebook down', 'quote " backslash \\ tab \t', '😭 #whatsappdown', 'lone \ud800 surrogate', 'line sep \u2028', ''];
    const fields: Record<string, unknown[]> = {
      id: ['p-1', 'x'.repeat(128)],
      at: [T0, 0, -0, 1.5],
      text: texts,
      lang: [undefined, 'en', 'hi-Latn'],
      source: ['replay', 'bluesky'],
      authorHash: ['a1', 'h"'],
      country: [undefined, 'US'],
      replyTo: [undefined, 'p-0'],
      receivedAt: [T0, T0 + 1],
    };
    for (let i = 0; i < 3000; i++) {
      const post: Record<string, unknown> = {};
      for (const k of Object.keys(fields).sort(() => next() - 0.5)) if (next() < 0.9) post[k] = pick(fields[k]!);
      const lang = pick(['en', 'und', 'hi-Latn', 'pt', 'q"\\']);
      expect(postJson(post as PostEvent, lang)).toBe(JSON.stringify({ ...post, detectedLang: lang }));
    }
    // objects it must copy as before: a key of its own named detectedLang (the spread overwrites it in place), toJSON, no field written, a class
    const odd: unknown[] = [{ id: 'p', detectedLang: 'xx', text: 't' }, { id: 'p', toJSON: () => ({ x: 1 }) }, {}, { gone: undefined }, Object.assign(Object.create({ inherited: 1 }), { id: 'p' })];
    for (const post of odd) expect(postJson(post as PostEvent, 'en')).toBe(JSON.stringify({ ...(post as object), detectedLang: 'en' }));
  });
});

describe('groupEvents', () => {
  it('writes the signals of one service within a few seconds as one message, in line order', () => {
    const events = [event('a', ['facebook'], T0), event('b', ['whatsapp'], T0 + 100), event('c', ['facebook', 'instagram'], T0 + 200), event('d', ['facebook'], T0 + 300)];
    const groups = groupEvents(events, 't.signals');
    expect(groups).toHaveLength(1);
    expect(groups[0]!.ids).toEqual(['a', 'b', 'c', 'd']);
    const signals = groups[0]!.messages.filter((m) => m.topic === 't.signals');
    expect(signals.map((m) => m.key)).toEqual(['facebook', 'whatsapp', 'instagram']);
    expect(idsIn(signals[0]!.value)).toEqual(['a:facebook', 'c:facebook', 'd:facebook']);
    expect(idsIn(signals[1]!.value)).toEqual(['b:whatsapp']);
    // every event's own message once, in line order
    expect(groups[0]!.messages.filter((m) => m.topic === 't.reports').map((m) => JSON.parse(String(m.value)).id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts a new batch when event time moves more than the span, either way, so a partition stays in order', () => {
    const ats = [0, 1000, SIGNAL_BATCH_SPAN_MS + 1, SIGNAL_BATCH_SPAN_MS + 2, 0, 1];
    const groups = groupEvents(
      ats.map((dt, i) => event(`e${i}`, ['facebook'], T0 + dt)),
      't.signals',
    );
    const batches = groups[0]!.messages.filter((m) => m.topic === 't.signals').map((m) => idsIn(m.value));
    expect(batches).toEqual([['e0:facebook', 'e1:facebook'], ['e2:facebook', 'e3:facebook'], ['e4:facebook', 'e5:facebook']]);
    // within a batch no signal is more than the span behind another
    for (const b of batches) {
      const times = b.map((id) => T0 + ats[Number(id.slice(1, id.indexOf(':')))]!);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(SIGNAL_BATCH_SPAN_MS);
    }
  });

  it('splits a large request into groups under GROUP_MAX_CHARS, each event and its signals in exactly one group', () => {
    const services = ['facebook', 'whatsapp', 'instagram', 'messenger'];
    const events = Array.from({ length: 3000 }, (_, i) => event(`e${i}`, [services[i % 4]!, services[(i + 1) % 4]!], T0 + i * 10, 200));
    const groups = groupEvents(events, 't.signals');
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) {
      const chars = g.messages.reduce((n, m) => n + m.value.length + (m.key?.length ?? 0) + 70, 0);
      expect(chars).toBeLessThanOrEqual(GROUP_MAX_CHARS);
      // a group's signals belong to the group's events
      const ids = new Set(g.ids);
      for (const ids2 of signalsByService([g]).values()) for (const sid of ids2) expect(ids.has(sid.slice(0, sid.indexOf(':')))).toBe(true);
    }
    expect(groups.flatMap((g) => g.ids)).toEqual(events.map((e) => e.id));
    const all = [...signalsByService(groups).values()].flat();
    expect(all).toHaveLength(6000);
    expect(new Set(all).size).toBe(6000);
    // per service, the signals in line order
    for (const [service, ids] of signalsByService(groups)) {
      const expected = events.flatMap((e) => e.signals.filter((s) => s.serviceId === service).map(() => `${e.id}:${service}`));
      expect(ids).toEqual(expected);
    }
  });

  it("counts a signal at about its JSON length, more than its binary form's bytes", () => {
    const drawn: SignalEvent[] = [];
    for (let i = 0; i < 300; i++) {
      const s = signal(`fb-2021-10-04.c16ws.s0.02:g${i}:${i % 7}`, ['facebook', 'whatsapp', 'x', 'google-cloud-platform'][i % 4]!, T0 + i * 997);
      if (i % 2) s.reporterHash = 'ab'.repeat(32);
      if (i % 3) s.country = 'US';
      s.hashtags = Array.from({ length: i % 5 }, (_, k) => `facebookdown${k}`);
      if (i % 4) s.evidence = Array.from({ length: 1 + (i % 10) }, (_, k) => `cue "not working" ${'é'.repeat(k)} ${k}`);
      s.confidence = (i % 100) / 100;
      drawn.push(s);
    }
    for (const s of drawn) {
      const o = outgoing(s);
      expect(o.chars).toBeGreaterThanOrEqual(encodeSignalBatch([s]).length);
      expect(o.chars).toBeGreaterThanOrEqual(JSON.stringify(s).length * 0.9);
      expect(o.chars).toBeLessThanOrEqual(JSON.stringify(s).length * 1.3);
    }
  });

  it('writes the signal batches in the binary form', () => {
    const groups = groupEvents([event('a', ['facebook'], T0), event('b', ['facebook', 'whatsapp'], T0 + 10)], 't.signals');
    const batches = groups.flatMap((g) => g.messages).filter((m) => m.topic === 't.signals');
    expect(batches.length).toBe(2);
    for (const m of batches) expect(isBinarySignalMessage(m.value as Buffer)).toBe(true);
  });

  it('an event without signals (a post about no service) still gets its group', () => {
    const groups = groupEvents([event('p', [], T0)], 't.signals');
    expect(groups).toEqual([{ ids: ['p'], messages: [expect.objectContaining({ topic: 't.reports' })] }]);
  });
});

/** A producer that records each send and settles it when the test says so. */
function heldProducer() {
  const sends: { messages: OutMessage[]; signal?: AbortSignal; ack(): void; fail(err: Error): void }[] = [];
  const producer: Producer = {
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    connect: async () => undefined,
    close: async () => undefined,
    send(messages: OutMessage[], opts?: SendOptions) {
      return new Promise<void>((resolve, reject) => {
        sends.push({ messages, ...(opts?.signal ? { signal: opts.signal } : {}), ack: resolve, fail: reject });
      });
    },
  };
  return { producer, sends };
}

function produceWith(producer: Producer, produceTimeoutMs = 5000) {
  const recent = new RecentIds();
  const produce = createProduce({
    producer,
    topics: { reports: 't.reports', posts: 't.posts', signals: 't.signals' } as never,
    understanding: { signalForReport: () => { throw new Error('unused'); }, readPost: () => { throw new Error('unused'); } },
    recent,
    produceTimeoutMs,
    metrics: createIngestMetrics(new Registry()),
    logger: createLogger('test', 'silent'),
  });
  return { produce, recent };
}

const settled = async <T>(p: Promise<T>) => {
  let state = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return state;
};

describe('createProduce: the requests of one event-loop turn', () => {
  it('go in one send, one signal batch per service for all of them; each request is acknowledged only with that send', async () => {
    const { producer, sends } = heldProducer();
    const { produce, recent } = produceWith(producer);
    const a = produce.store([event('a', ['facebook'], T0)]);
    const b = produce.store([event('b', ['facebook'], T0 + 10), event('c', ['whatsapp'], T0 + 20)]);
    await new Promise((r) => setImmediate(r));
    expect(sends).toHaveLength(1);
    const signals = sends[0]!.messages.filter((m) => m.topic === 't.signals');
    expect(signals.map((m) => m.key)).toEqual(['facebook', 'whatsapp']);
    expect(idsIn(signals[0]!.value)).toEqual(['a:facebook', 'b:facebook']);
    expect(await settled(a)).toBe('pending');
    expect(await settled(b)).toBe('pending');
    sends[0]!.ack();
    await Promise.all([a, b]);
    expect(['a', 'b', 'c'].every((id) => recent.has(id))).toBe(true);
  });

  it('an id sent twice in one turn is written once, and both requests wait for that write', async () => {
    const { producer, sends } = heldProducer();
    const { produce } = produceWith(producer);
    const first = produce.store([event('same', ['facebook'], T0)]);
    const second = produce.store([event('same', ['facebook'], T0)]);
    await new Promise((r) => setImmediate(r));
    expect(sends).toHaveLength(1);
    expect(sends[0]!.messages.filter((m) => m.topic === 't.reports')).toHaveLength(1);
    sends[0]!.ack();
    await expect(Promise.all([first, second])).resolves.toBeDefined();
    // everything was written: nothing to withdraw, the turn's signal is left alone
    expect(sends[0]!.signal!.aborted).toBe(false);
  });

  it('a request that gives up gets a 503 and withdraws the send of its turn when nobody else waits for it; a later turn keeps its own', async () => {
    // The deadlines run on a fake clock: on a loaded machine a real 60 ms wait could outlast the
    // first request's 100 ms deadline (its 503 then came before anyone listened for it).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { producer, sends } = heldProducer();
      const { produce } = produceWith(producer, 100);
      const early = produce.store([event('early', ['facebook'], T0)]).catch((e: unknown) => e);
      await new Promise((r) => setImmediate(r));
      vi.advanceTimersByTime(60);
      // a later turn: its own send, its own deadline (at 160 ms)
      const late = produce.store([event('late', ['facebook'], T0)]);
      await new Promise((r) => setImmediate(r));
      expect(sends).toHaveLength(2);
      vi.advanceTimersByTime(40); // the first request's deadline
      const err = await early;
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).statusCode).toBe(503);
      expect(sends[0]!.signal!.aborted).toBe(true); // nobody waits for the first send any more
      expect(sends[1]!.signal!.aborted).toBe(false);
      sends[1]!.ack();
      await late;
    } finally {
      vi.useRealTimers();
    }
  });

  it('when the turn cannot be handed to the producer, its requests get a 503, never an acknowledgement', async () => {
    const { producer } = heldProducer();
    producer.send = () => {
      throw new Error('producer refused');
    };
    const { produce, recent } = produceWith(producer);
    const err = await produce.store([event('x', ['facebook'], T0)]).catch((e: unknown) => e);
    expect((err as HttpError).statusCode).toBe(503);
    expect(recent.has('x')).toBe(false);
  });

  it('in one turn, the send is withdrawn only once every request of the turn stopped waiting', async () => {
    const { producer, sends } = heldProducer();
    const { produce } = produceWith(producer, 100);
    const a = produce.store([event('a', ['facebook'], T0)]).catch((e: unknown) => e);
    const b = produce.store([event('b', ['facebook'], T0)]).catch((e: unknown) => e);
    await new Promise((r) => setImmediate(r));
    expect(sends).toHaveLength(1);
    expect(sends[0]!.signal!.aborted).toBe(false);
    const [ea, eb] = await Promise.all([a, b]);
    expect((ea as HttpError).statusCode).toBe(503);
    expect((eb as HttpError).statusCode).toBe(503);
    expect(sends[0]!.signal!.aborted).toBe(true);
  });
});

/**
 * A request is answered stored only when every group holding one of its events, its own or one it
 * joined, was acknowledged: the bookkeeping finds groups by position in the turn's events, and
 * these fail whenever a failed group's event would be answered stored or a failed id would be
 * joined instead of written again.
 */
describe('createProduce: failed sends are never answered stored', () => {
  // Two events of this size never share a group (GROUP_MAX_CHARS).
  const big = (id: string) => event(id, ['facebook'], T0, GROUP_MAX_CHARS / 2 + 1000);
  const reportIds = (s: { messages: OutMessage[] }) => s.messages.filter((m) => m.topic === 't.reports').map((m) => (JSON.parse(m.value as string) as { id: string }).id);
  const status = (p: Promise<unknown>) => p.then(() => 202, (e: unknown) => (e as HttpError).statusCode);

  it('in one turn of two groups, the request of the failed group gets a 503 and the other its acknowledgement', async () => {
    const { producer, sends } = heldProducer();
    const { produce, recent } = produceWith(producer);
    const a = status(produce.store([big('a')]));
    const b = status(produce.store([big('b')]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['a'], ['b']]);
    sends[1]!.fail(new Error('broker gone'));
    sends[0]!.ack();
    expect(await a).toBe(202);
    expect(await b).toBe(503);
    expect(recent.has('a')).toBe(true);
    expect(recent.has('b')).toBe(false);
  });

  it("a request that joins another request's id in the same turn gets a 503 when that id's group fails, although its own group was stored", async () => {
    const { producer, sends } = heldProducer();
    const { produce, recent } = produceWith(producer);
    const a = status(produce.store([big('a')]));
    const b = status(produce.store([big('b'), big('a')]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['a'], ['b']]);
    sends[1]!.ack();
    sends[0]!.fail(new Error('broker gone'));
    expect(await b).toBe(503);
    expect(await a).toBe(503);
    expect(recent.has('a')).toBe(false);
    expect(recent.has('b')).toBe(true);
    // a is written anew on its retry, not joined to the failed send
    const retry = status(produce.store([big('a')]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['a'], ['b'], ['a']]);
    sends[2]!.ack();
    expect(await retry).toBe(202);
  });

  it('a request that joins an id of its own turn that sits in a later group waits for that group', async () => {
    const { producer, sends } = heldProducer();
    const { produce } = produceWith(producer);
    const a = status(produce.store([big('a'), big('b')]));
    const b = status(produce.store([big('c'), big('b')]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['a'], ['b'], ['c']]);
    sends[0]!.ack();
    sends[2]!.ack();
    expect(await settled(b)).toBe('pending');
    sends[1]!.fail(new Error('broker gone'));
    expect(await b).toBe(503);
    expect(await a).toBe(503);
  });

  it('a retry that joins a send still on its way gets a 503 when that send fails, and its next retry writes the event again', async () => {
    const { producer, sends } = heldProducer();
    const { produce, recent } = produceWith(producer);
    const first = status(produce.store([event('x', ['facebook'], T0)]));
    await new Promise((r) => setImmediate(r));
    const retry = status(produce.store([event('y', ['facebook'], T0), event('x', ['facebook'], T0)]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['x'], ['y']]);
    sends[1]!.ack();
    expect(await settled(retry)).toBe('pending');
    sends[0]!.fail(new Error('broker gone'));
    expect(await first).toBe(503);
    expect(await retry).toBe(503);
    expect(recent.has('x')).toBe(false);
    const again = status(produce.store([event('x', ['facebook'], T0)]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['x'], ['y'], ['x']]);
    sends[2]!.ack();
    expect(await again).toBe(202);
    expect(recent.has('x')).toBe(true);
  });

  it('a send that fails at once: every request holding or joining its ids gets a 503, in the turn and right after it, and a later retry writes them', async () => {
    const { producer, sends } = heldProducer();
    const held = producer.send.bind(producer);
    let failNext = true;
    let c: Promise<number> | undefined;
    const { produce, recent } = produceWith(producer);
    producer.send = (messages, opts) => {
      if (!failNext) return held(messages, opts);
      failNext = false;
      // A retry of y that runs right after the hand-over, before the failure's handlers ran.
      queueMicrotask(() => (c = status(produce.store([event('y', ['whatsapp'], T0)]))));
      return Promise.reject(new Error('refused at once'));
    };
    const a = status(produce.store([event('x', ['facebook'], T0)]));
    const b = status(produce.store([event('x', ['facebook'], T0), event('y', ['whatsapp'], T0)]));
    await new Promise((r) => setImmediate(r));
    expect(c).toBeDefined();
    expect(await a).toBe(503);
    expect(await b).toBe(503);
    expect(await c).toBe(503);
    expect(recent.has('x') || recent.has('y')).toBe(false);
    const later = status(produce.store([event('x', ['facebook'], T0), event('y', ['whatsapp'], T0)]));
    await new Promise((r) => setImmediate(r));
    expect(sends).toHaveLength(1);
    sends[0]!.ack();
    expect(await later).toBe(202);
    expect(recent.has('x') && recent.has('y')).toBe(true);
  });

  it('when the producer refuses the second group of a turn: all its requests get a 503; a retry joins the group handed over and writes the other anew', async () => {
    const { producer, sends } = heldProducer();
    const held = producer.send.bind(producer);
    let calls = 0;
    producer.send = (messages, opts) => {
      if (++calls === 2) throw new Error('producer refused');
      return held(messages, opts);
    };
    const { produce, recent } = produceWith(producer);
    const a = status(produce.store([big('a')]));
    const b = status(produce.store([big('b')]));
    await new Promise((r) => setImmediate(r));
    expect(await a).toBe(503);
    expect(await b).toBe(503);
    expect(sends.map(reportIds)).toEqual([['a']]);
    const retryA = status(produce.store([big('a')]));
    const retryB = status(produce.store([big('b')]));
    await new Promise((r) => setImmediate(r));
    expect(sends.map(reportIds)).toEqual([['a'], ['b']]);
    expect(await settled(retryA)).toBe('pending');
    sends[1]!.ack();
    expect(await retryB).toBe(202);
    expect(await settled(retryA)).toBe('pending');
    sends[0]!.ack();
    expect(await retryA).toBe(202);
    expect(recent.has('a') && recent.has('b')).toBe(true);
  });
});
