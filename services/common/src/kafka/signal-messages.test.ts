import { describe, expect, it } from 'vitest';
import type { SignalEvent } from '../../../../schemas/events/index';
import { readSignalMessage, signalMessages, SignalSlicer } from './signal-messages';
import type { OutMessage } from './producer';

const T = Date.UTC(2021, 9, 4, 15, 41);
const signal = (id: string, serviceId = 'facebook', over: Partial<SignalEvent> = {}): SignalEvent => ({
  id, sourceId: id, serviceId, kind: 'report', at: T, receivedAt: T, outage: true, problem: 'login', confidence: 1, hashtags: [], ...over,
});

describe('signalMessages', () => {
  it('writes one signal as the plain object, keyed by its service', () => {
    expect(signalMessages('t', [signal('a')])).toEqual([{ topic: 't', key: 'facebook', value: JSON.stringify(signal('a')) }]);
  });

  it('puts the signals of each service in one array message keyed by that service, in order of first appearance', () => {
    const out = signalMessages('t', [signal('a'), signal('b', 'whatsapp'), signal('c'), signal('d', 'telegram')]);
    expect(out.map((m) => [m.key, JSON.parse(m.value)])).toEqual([
      ['facebook', [signal('a'), signal('c')]],
      ['whatsapp', signal('b', 'whatsapp')],
      ['telegram', signal('d', 'telegram')],
    ]);
  });

  it('splits a service whose signals exceed the size bound into several arrays, losing none', () => {
    const many = Array.from({ length: 100 }, (_, i) => signal(`s-${i}`));
    const size = JSON.stringify(many[0]).length;
    const out = signalMessages('t', many, size * 10);
    expect(out.length).toBeGreaterThan(9);
    for (const m of out) expect(m.value.length).toBeLessThanOrEqual(size * 10);
    expect(out.flatMap((m) => [JSON.parse(m.value)].flat().map((s: SignalEvent) => s.id))).toEqual(many.map((s) => s.id));
  });
});

describe('readSignalMessage', () => {
  it('reads a single signal and a batch the same way', () => {
    expect(readSignalMessage(JSON.stringify(signal('a')))).toEqual({ ok: true, batch: false, items: [{ ok: true, value: signal('a') }], raw: [signal('a')] });
    const r = readSignalMessage(Buffer.from(JSON.stringify([signal('a'), signal('b')])));
    expect(r.ok && r.batch && r.items.map((i) => i.ok && i.value.id)).toEqual(['a', 'b']);
  });

  it('names the bad element of a batch and keeps the others', () => {
    const r = readSignalMessage(JSON.stringify([signal('a'), { ...signal('b'), kind: 'tweet' }, signal('c')]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.items.map((i) => i.ok)).toEqual([true, false, true]);
    expect(r.items[1]).toMatchObject({ ok: false, field: 'kind' });
  });

  it('refuses an element of another service than the batch', () => {
    const r = readSignalMessage(JSON.stringify([signal('a'), signal('b', 'instagram')]));
    expect(r.ok && r.items[1]).toMatchObject({ ok: false, field: 'serviceId', reason: expect.stringMatching(/is not facebook/) });
  });

  it('refuses what is not a signal message as a whole', () => {
    expect(readSignalMessage(null)).toMatchObject({ ok: false, reason: 'empty message value' });
    expect(readSignalMessage('{')).toMatchObject({ ok: false, field: '(message)', reason: expect.stringMatching(/^not JSON/) });
    expect(readSignalMessage('[]')).toMatchObject({ ok: false, reason: expect.stringMatching(/empty batch/) });
    expect(readSignalMessage('7')).toMatchObject({ ok: true, batch: false, items: [{ ok: false }] });
  });
});

describe('SignalSlicer', () => {
  const sig = (serviceId: string, at: number) => ({ serviceId, json: JSON.stringify({ serviceId, at }) });
  it('ends a slice when a signal lies more than the span from its earliest or latest signal, one message per service', () => {
    const slicer = new SignalSlicer('t.signals', 5000);
    const out: OutMessage[] = [];
    for (const at of [10_000, 12_000, 14_000]) slicer.add(sig(at === 12_000 ? 'b' : 'a', at), at, out);
    expect(out).toEqual([]); // within 5 s of each other: still open
    slicer.add(sig('a', 8_000), 8_000, out); // 6 s before the latest: the open slice ends first
    expect(out.map((m) => [m.key, JSON.parse(m.value).length ?? 1])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    slicer.flush(out);
    expect(out.map((m) => m.key)).toEqual(['a', 'b', 'a']);
    slicer.flush(out); // nothing open: nothing written
    expect(out).toHaveLength(3);
  });
});
