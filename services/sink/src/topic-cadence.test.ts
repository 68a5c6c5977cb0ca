import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTopicCadence, type PausableConsumer } from './topic-cadence';

type Call = { op: 'pause' | 'resume'; list: { topic: string; partitions: number[] }[] };

function fakeConsumer(calls: Call[], opts: { throws?: boolean } = {}): PausableConsumer {
  return {
    pause(list) {
      if (opts.throws) throw new Error('Consumer group was not initialized');
      calls.push({ op: 'pause', list });
    },
    resume(list) {
      if (opts.throws) throw new Error('Consumer group was not initialized');
      calls.push({ op: 'resume', list });
    },
  };
}

describe('topic cadence', () => {
  afterEach(() => vi.useRealTimers());

  it('pauses a live batch of a slow topic on every member, and resumes it at the next tick', () => {
    vi.useFakeTimers();
    const a: Call[] = [];
    const b: Call[] = [];
    const c = createTopicCadence({ topics: ['p.scores', 'p.alerts'], intervalMs: 10_000, behindMessages: 10_000, consumers: () => [fakeConsumer(a), fakeConsumer(b)] });
    c.start();
    c.onBatch({ topic: 'p.scores', partition: 3, lag: 0 });
    expect(a).toEqual([{ op: 'pause', list: [{ topic: 'p.scores', partitions: [3] }] }]);
    expect(b).toEqual(a);
    expect(c.paused()).toEqual(['p.scores:3']);
    // The same partition again before the tick (a later chunk of the batch): no second pause.
    c.onBatch({ topic: 'p.scores', partition: 3, lag: 0 });
    c.onBatch({ topic: 'p.alerts', partition: 0 });
    expect(a).toHaveLength(2);
    vi.advanceTimersByTime(9_999);
    expect(a.filter((x) => x.op === 'resume')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(a.at(-1)).toEqual({
      op: 'resume',
      list: [
        { topic: 'p.scores', partitions: [3] },
        { topic: 'p.alerts', partitions: [0] },
      ],
    });
    expect(b.at(-1)).toEqual(a.at(-1));
    expect(c.paused()).toEqual([]);
    // Nothing paused: a tick resumes nothing.
    vi.advanceTimersByTime(10_000);
    expect(a).toHaveLength(3);
    c.stop();
  });

  it('never pauses the other topics, nor a batch that is behind (a backlog)', () => {
    const calls: Call[] = [];
    const c = createTopicCadence({ topics: ['p.scores'], intervalMs: 5000, behindMessages: 10_000, consumers: () => [fakeConsumer(calls)] });
    c.onBatch({ topic: 'p.reports', partition: 0, lag: 0 });
    c.onBatch({ topic: 'p.signals', partition: 1 });
    c.onBatch({ topic: 'p.scores', partition: 2, lag: 10_000 });
    c.onBatch({ topic: 'p.scores', partition: 2, lag: 250_000 });
    expect(calls).toEqual([]);
    c.onBatch({ topic: 'p.scores', partition: 2, lag: 9_999 });
    expect(calls).toEqual([{ op: 'pause', list: [{ topic: 'p.scores', partitions: [2] }] }]);
  });

  it('stop() resumes what it paused and ends the timer', () => {
    vi.useFakeTimers();
    const calls: Call[] = [];
    const c = createTopicCadence({ topics: ['p.trends'], intervalMs: 1000, behindMessages: 10_000, consumers: () => [fakeConsumer(calls)] });
    c.start();
    c.onBatch({ topic: 'p.trends', partition: 5, lag: 0 });
    c.stop();
    expect(calls.at(-1)).toEqual({ op: 'resume', list: [{ topic: 'p.trends', partitions: [5] }] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a member that cannot pause (not running) does not keep the others from it', () => {
    const calls: Call[] = [];
    const c = createTopicCadence({ topics: ['p.scores'], intervalMs: 1000, behindMessages: 10_000, consumers: () => [fakeConsumer([], { throws: true }), fakeConsumer(calls)] });
    expect(() => c.onBatch({ topic: 'p.scores', partition: 0, lag: 0 })).not.toThrow();
    expect(calls).toEqual([{ op: 'pause', list: [{ topic: 'p.scores', partitions: [0] }] }]);
  });

  it('refuses an interval of 0 (the sink builds no cadence then)', () => {
    expect(() => createTopicCadence({ topics: ['p.scores'], intervalMs: 0, behindMessages: 1, consumers: () => [] })).toThrow(/intervalMs/);
  });
});
