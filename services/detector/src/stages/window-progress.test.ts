import { describe, expect, it } from 'vitest';
import type { ScoreEvent } from '../../../../schemas/events/index';
import { parseProgress, progressMessages, windowsOf } from './window-progress';

const score = (serviceId: string, windowStart: number, pad = 0): ScoreEvent => ({
  serviceId,
  windowStart,
  windowEnd: windowStart + 60_000,
  count: 1,
  rawCount: 1,
  expected: 1,
  upper: 3,
  score: 0,
  level: 'ok',
  evidence: { problems: [], countries: [], hashtags: [], samplePostIds: pad ? [`x`.repeat(pad)] : [] },
  computedAt: 5,
});

describe('window progress messages', () => {
  it('groups scores by window, in order', () => {
    const w = windowsOf([score('a', 0), score('b', 0), score('a', 60_000)]);
    expect(w.map((x) => [x.start, x.end, x.scores.map((s) => s.serviceId)])).toEqual([
      [0, 60_000, ['a', 'b']],
      [60_000, 120_000, ['a']],
    ]);
  });

  it('splits many windows over several messages, each claiming progress only up to its own last window', () => {
    const scores: ScoreEvent[] = [];
    for (let i = 0; i < 40; i++) for (const s of ['a', 'b', 'c']) scores.push(score(s, i * 60_000, 8000));
    const msgs = progressMessages({ partition: 2, partitions: 6, instance: 'x', idle: false, closedUpTo: 40 * 60_000, closedAt: 9 }, windowsOf(scores)).map((m) => parseProgress(m)!);
    expect(msgs.length).toBeGreaterThan(1);
    expect(msgs.flatMap((m) => m.windows.map((w) => w.start))).toEqual(Array.from({ length: 40 }, (_, i) => i * 60_000));
    for (const m of msgs) expect(m.closedUpTo).toBe(m.windows[m.windows.length - 1]!.end);
    expect(msgs[msgs.length - 1]!.closedUpTo).toBe(40 * 60_000);
    for (const m of msgs) expect(JSON.stringify(m).length).toBeLessThan(900_000);
  });

  it('an announcement without windows is one message', () => {
    const [m] = progressMessages({ partition: 0, partitions: 1, instance: 'x', idle: true, closedUpTo: null, closedAt: 1 }, []);
    expect(parseProgress(m!)).toEqual({ v: 1, partition: 0, partitions: 1, instance: 'x', idle: true, closedUpTo: null, closedAt: 1, windows: [] });
  });

  it('rejects what is not a window message', () => {
    expect(parseProgress(null)).toBeUndefined();
    expect(parseProgress('{')).toBeUndefined();
    expect(parseProgress('{"v":2}')).toBeUndefined();
    expect(parseProgress(JSON.stringify({ v: 1, partition: 0, partitions: 1, idle: false, closedUpTo: 0, closedAt: 0, windows: [{ start: 0 }] }))).toBeUndefined();
  });
});
