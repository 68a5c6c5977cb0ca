import { describe, expect, it } from 'vitest';
import { readSignalMessage } from '@downradar/common';
import type { SignalEvent } from '../../../schemas/events/index';
import { GROUP_MAX_CHARS, SIGNAL_BATCH_SPAN_MS, groupEvents, type Pending } from './produce';

const T0 = Date.UTC(2021, 9, 4, 15, 40);

function signal(id: string, serviceId: string, at: number): SignalEvent {
  return { id, sourceId: id, serviceId, kind: 'report', at, receivedAt: at, outage: true, problem: 'app', confidence: 1, hashtags: [] };
}

function event(id: string, serviceIds: string[], at: number, pad = 0): Pending {
  return {
    id,
    messages: [{ topic: 't.reports', key: serviceIds[0] ?? null, value: JSON.stringify({ id, pad: 'x'.repeat(pad) }) }],
    signals: serviceIds.map((s) => {
      const sig = signal(`${id}:${s}`, s, at);
      return { serviceId: s, at, json: JSON.stringify(sig) };
    }),
  };
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

describe('groupEvents', () => {
  it('writes the signals of one service within a few seconds as one message, in line order', () => {
    const events = [event('a', ['facebook'], T0), event('b', ['whatsapp'], T0 + 100), event('c', ['facebook', 'instagram'], T0 + 200), event('d', ['facebook'], T0 + 300)];
    const groups = groupEvents(events, 't.signals');
    expect(groups).toHaveLength(1);
    expect(groups[0]!.ids).toEqual(['a', 'b', 'c', 'd']);
    const signals = groups[0]!.messages.filter((m) => m.topic === 't.signals');
    expect(signals.map((m) => m.key)).toEqual(['facebook', 'whatsapp', 'instagram']);
    expect(JSON.parse(signals[0]!.value).map((s: SignalEvent) => s.id)).toEqual(['a:facebook', 'c:facebook', 'd:facebook']);
    expect(JSON.parse(signals[1]!.value)).toMatchObject({ id: 'b:whatsapp' }); // alone: the plain object
    // every event's own message once, in line order
    expect(groups[0]!.messages.filter((m) => m.topic === 't.reports').map((m) => JSON.parse(m.value).id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts a new batch when event time moves more than the span, either way, so a partition stays in order', () => {
    const ats = [0, 1000, SIGNAL_BATCH_SPAN_MS + 1, SIGNAL_BATCH_SPAN_MS + 2, 0, 1];
    const groups = groupEvents(
      ats.map((dt, i) => event(`e${i}`, ['facebook'], T0 + dt)),
      't.signals',
    );
    const batches = groups[0]!.messages.filter((m) => m.topic === 't.signals').map((m) => [JSON.parse(m.value)].flat().map((s: SignalEvent) => s.id));
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

  it('an event without signals (a post about no service) still gets its group', () => {
    const groups = groupEvents([event('p', [], T0)], 't.signals');
    expect(groups).toEqual([{ ids: ['p'], messages: [expect.objectContaining({ topic: 't.reports' })] }]);
  });
});
