import { describe, expect, it } from 'vitest';
import type { DlqRecord } from '../../../schemas/events/index';
import { createDeliveryEngine, type DeliveryPolicy } from './delivery-engine';
import { SubscriptionStore } from './subscription-store';
import { incidentEvent, subscription } from './test-fixtures';
import type { AttemptOutcome } from './webhook-request';

const policy: DeliveryPolicy = { baseMs: 5, maxMs: 20, maxAttempts: 5, horizonMs: 60_000, requestTimeoutMs: 1000, concurrencyPerSubscription: 2 };
const fail503: AttemptOutcome = { ok: false, retriable: true, code: 'HTTP_503', reason: 'receiver answered 503', status: 503 };

function setup(post: (url: string, attempt: number) => Promise<AttemptOutcome> | AttemptOutcome, p: Partial<DeliveryPolicy> = {}) {
  const store = SubscriptionStore.inMemory([subscription({ id: 'sub_aaaaaaaaaa', url: 'http://a/' }), subscription({ id: 'sub_bbbbbbbbbb', url: 'http://b/' })]);
  const dead: DlqRecord[] = [];
  const calls: Array<{ url: string; attempt: number; eventId: string }> = [];
  const engine = createDeliveryEngine({
    store,
    policy: { ...policy, ...p },
    random: () => 0.5, // jitter in the middle: timings a test can reason about
    deadLetter: async (r) => {
      dead.push(r);
    },
    post: async (url, _body, headers) => {
      const attempt = Number(headers['x-downradar-delivery-attempt']);
      calls.push({ url, attempt, eventId: headers['x-downradar-event-id']! });
      return post(url, attempt);
    },
  });
  return { store, engine, dead, calls, a: store.get('sub_aaaaaaaaaa')!, b: store.get('sub_bbbbbbbbbb')! };
}

describe('delivery engine', () => {
  it('delivers once; the same (subscription, eventId) again is skipped', async () => {
    const { engine, calls, a } = setup(() => ({ ok: true, status: 200 }));
    const ev = incidentEvent();
    expect(await engine.enqueue(a, ev).settled).toEqual({ result: 'delivered', attempts: 1 });
    expect(engine.enqueue(a, ev).settlement).toEqual({ result: 'delivered', attempts: 1 });
    expect(calls).toHaveLength(1);
    engine.close();
  });

  it('retries a failing receiver until it answers, counting attempts', async () => {
    const { engine, calls, a } = setup((_u, attempt) => (attempt < 4 ? fail503 : { ok: true, status: 200 }));
    expect(await engine.enqueue(a, incidentEvent()).settled).toEqual({ result: 'delivered', attempts: 4 });
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    engine.close();
  });

  it('dead-letters after the last attempt, and at once on a refusal', async () => {
    const { engine, dead, a, b } = setup((url) => (url === 'http://a/' ? fail503 : { ok: false, retriable: false, code: 'HTTP_410', reason: 'receiver answered 410', status: 410 }));
    const ev = incidentEvent();
    const [sa, sb] = await Promise.all([engine.enqueue(a, ev).settled, engine.enqueue(b, ev).settled]);
    expect(sa).toMatchObject({ result: 'dead_lettered', attempts: 5, code: 'GAVE_UP' });
    expect(sb).toMatchObject({ result: 'dead_lettered', attempts: 1, code: 'HTTP_410' });
    expect(dead.map((d) => d.code).sort()).toEqual(['WEBHOOK_GAVE_UP', 'WEBHOOK_HTTP_410']);
    expect(dead.find((d) => d.code === 'WEBHOOK_GAVE_UP')!.reason).toMatch(/gave up after 5 attempt\(s\).*503/);
    engine.close();
  });

  it('a hanging receiver holds only its own queue', async () => {
    let release!: () => void;
    const hang = new Promise<AttemptOutcome>((r) => (release = () => r({ ok: true, status: 200 })));
    const { engine, a, b } = setup((url) => (url === 'http://a/' ? hang : { ok: true, status: 200 }));
    const jobsA = [1, 2, 3].map((seq) => engine.enqueue(a, incidentEvent({ seq })));
    const jobsB = [1, 2, 3].map((seq) => engine.enqueue(b, incidentEvent({ seq })));
    await Promise.all(jobsB.map((j) => j.settled));
    expect(jobsA.filter((j) => j.inFlight)).toHaveLength(2); // the per-subscription limit
    const pending = await engine.awaitSettledOrPatience([...jobsA, ...jobsB], 50);
    expect(pending).toEqual(jobsA);
    const cp = engine.checkpointOf(jobsA[0]!);
    expect(cp).toMatchObject({ subscriptionId: 'sub_aaaaaaaaaa', eventId: 'inc-20211004-meta:1', attempts: 1 });
    release();
    await Promise.all(jobsA.map((j) => j.settled));
    engine.close();
  });

  it('parks early a job whose next try is after the patience', async () => {
    const { engine, a } = setup(() => fail503, { baseMs: 60_000, maxMs: 60_000, maxAttempts: 100 });
    const job = engine.enqueue(a, incidentEvent());
    const t = Date.now();
    const pending = await engine.awaitSettledOrPatience([job], 5000, { parkEarly: true });
    expect(Date.now() - t).toBeLessThan(1000);
    expect(pending).toEqual([job]);
    const cp = engine.checkpointOf(job);
    expect(cp.attempts).toBe(1);
    expect(cp.nextAttemptAt).toBe(job.nextAttemptAt);
    expect(cp.lastError).toBe('HTTP_503: receiver answered 503');
    engine.close();
  });

  it('resumes from a checkpoint with its attempt count and horizon', async () => {
    const { engine, calls, a, dead } = setup(() => fail503, { maxAttempts: 6 });
    const ev = incidentEvent();
    const s = await engine.enqueue(a, ev, { subscriptionId: a.id, eventId: ev.eventId, attempts: 4, firstAttemptAt: Date.now(), nextAttemptAt: Date.now(), checkpointedAt: Date.now(), event: ev }).settled;
    expect(s).toMatchObject({ result: 'dead_lettered', attempts: 6 });
    expect(calls.map((c) => c.attempt)).toEqual([5, 6]);
    expect(dead).toHaveLength(1);
    engine.close();
  });

  it('on shutdown, waits end at once and still hand back every pending job (they must be checkpointed)', async () => {
    const { engine, a } = setup(() => new Promise<AttemptOutcome>(() => undefined));
    const job = engine.enqueue(a, incidentEvent());
    const waiting = engine.awaitSettledOrPatience([job], 60_000);
    const t = Date.now();
    engine.drain();
    expect(await waiting).toEqual([job]);
    expect(Date.now() - t).toBeLessThan(500);
    engine.close();
    expect(await engine.awaitSettledOrPatience([job], 60_000)).toEqual([job]);
  });

  it('drops the deliveries of a deleted subscription', async () => {
    const { engine, store, a } = setup(() => fail503, { baseMs: 50, maxMs: 50, maxAttempts: 100 });
    const job = engine.enqueue(a, incidentEvent());
    await new Promise((r) => setTimeout(r, 20));
    await store.remove(a.id);
    expect(await job.settled).toMatchObject({ result: 'dropped', reason: 'subscription deleted' });
    engine.close();
  });
});
