import { describe, expect, it } from 'vitest';
import { readSignalMessage } from '@downradar/common';
import { batchSignals, SIGNAL_BATCH_SPAN_MS, type SourceMessage } from './signal-batches';

const SIGNALS = 'p.signals';
const signal = (serviceId: string, at: number, n: number): SourceMessage => ({ topic: SIGNALS, key: serviceId, value: JSON.stringify({ id: `s${n}`, serviceId, at }), signalAt: at });
const post = (n: number): SourceMessage => ({ topic: 'p.posts', key: `post${n}`, value: `{"id":"post${n}"}` });
const ids = (value: string | Buffer | null) => {
  const v = JSON.parse(String(value)) as { id: string } | { id: string }[];
  return Array.isArray(v) ? v.map((x) => x.id) : [v.id];
};

describe('batchSignals', () => {
  it('writes one message per service for a commit of live posts, keyed by the service, signals in their order', () => {
    const t = 1_700_000_000_000;
    const input = [post(1), signal('facebook', t, 1), signal('whatsapp', t, 2), post(2), signal('facebook', t + 100, 3), post(3), signal('facebook', t + 200, 4)];
    const out = batchSignals(input, SIGNALS);
    expect(out.filter((m) => m.topic === 'p.posts').map((m) => m.key)).toEqual(['post1', 'post2', 'post3']);
    const signals = out.filter((m) => m.topic === SIGNALS);
    expect(signals.map((m) => [m.key, ids(m.value)])).toEqual([
      ['facebook', ['s1', 's3', 's4']],
      ['whatsapp', ['s2']],
    ]);
    // What consumers read: a batch of one service, and a single signal as the plain object.
    expect(JSON.parse(String(signals[1]!.value))).toEqual({ id: 's2', serviceId: 'whatsapp', at: t });
    expect(readSignalMessage(signals[0]!.value)).toMatchObject({ ok: true, batch: true });
    expect(out.every((m) => !('signalAt' in m))).toBe(true);
  });

  it('starts a new batch when event times spread beyond the span (a gap fill reads older posts), keeping each service in order', () => {
    const t = 1_700_000_000_000;
    const ats = [t, t + 1000, t + SIGNAL_BATCH_SPAN_MS + 1001, t + SIGNAL_BATCH_SPAN_MS + 1002, t - 60_000, t - 59_000];
    const out = batchSignals(ats.map((at, i) => signal('facebook', at, i)), SIGNALS);
    expect(out.map((m) => ids(m.value))).toEqual([['s0', 's1'], ['s2', 's3'], ['s4', 's5']]);
    for (const m of out) {
      const times = (JSON.parse(String(m.value)) as { at: number }[]).map((s) => s.at);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(SIGNAL_BATCH_SPAN_MS);
    }
  });

  it('leaves everything that is not a signal as it is, and a signal without an event time alone', () => {
    const other: SourceMessage[] = [
      { topic: 'p.source-state', key: 'bluesky', value: '{"timeUs":1}' },
      { topic: 'p.dlq', key: 'o', value: '{}' },
      { topic: SIGNALS, key: 'x', value: '{"id":"official"}' },
      { topic: 'p.state', key: 'gone', value: null, timestamp: '5' },
    ];
    expect(batchSignals(other, SIGNALS)).toEqual(other);
  });

  it('splits a service whose signals exceed the largest batch', () => {
    const t = 1_700_000_000_000;
    const big = Array.from({ length: 300 }, (_, i) => ({ ...signal('facebook', t, i), value: JSON.stringify({ id: `s${i}`, serviceId: 'facebook', at: t, pad: 'x'.repeat(1000) }) }));
    const out = batchSignals(big, SIGNALS);
    expect(out.length).toBeGreaterThan(1);
    expect(out.flatMap((m) => ids(m.value))).toEqual(big.map((_, i) => `s${i}`));
    expect(out.every((m) => m.value!.length <= 128 * 1024)).toBe(true);
  });
});
