import { describe, expect, it } from 'vitest';
import type { Level, ScoreEvent } from '../../../../schemas/events/index';
import { summariseScores } from './catchup';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 5, 6, 0);

function score(serviceId: string, windowStart: number, count: number, level: Level = 'ok', computedAt = windowStart + MIN + 1000): ScoreEvent {
  return {
    serviceId,
    windowStart,
    windowEnd: windowStart + MIN,
    count,
    rawCount: count,
    expected: 1,
    upper: 4,
    score: level === 'ok' ? 0.1 : 0.99,
    level,
    evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] },
    computedAt,
  };
}

describe('summariseScores', () => {
  it('folds six hours of caught-up windows of a service into one summary and its newest score', () => {
    const backlog = Array.from({ length: 360 }, (_, i) => score('whatsapp', T + i * MIN, i === 359 ? 1 : 0));
    const { catchups, newest } = summariseScores(backlog);
    expect(newest).toEqual([backlog[359]]);
    expect(catchups).toEqual([{ serviceId: 'whatsapp', windows: 360, from: T, to: T + 360 * MIN, count: 1, worstLevel: 'ok' }]);
  });

  it('sends a service with a single window as it is, and keeps each service apart', () => {
    const batch = [score('facebook', T, 5, 'warning'), score('twitter', T, 2), score('facebook', T + MIN, 9, 'danger'), score('facebook', T + 2 * MIN, 3, 'warning')];
    const { catchups, newest } = summariseScores(batch);
    expect(newest.map((s) => [s.serviceId, s.windowStart])).toEqual([
      ['facebook', T + 2 * MIN],
      ['twitter', T],
    ]);
    expect(catchups).toEqual([{ serviceId: 'facebook', windows: 3, from: T, to: T + 3 * MIN, count: 17, worstLevel: 'danger' }]);
  });

  it('counts a re-scored window once, with its latest computation', () => {
    const batch = [score('signal', T, 4, 'ok', T + 2 * MIN), score('signal', T, 7, 'warning', T + 3 * MIN), score('signal', T + MIN, 1)];
    const { catchups, newest } = summariseScores(batch);
    expect(catchups).toEqual([{ serviceId: 'signal', windows: 2, from: T, to: T + 2 * MIN, count: 8, worstLevel: 'warning' }]);
    expect(newest[0]!.windowStart).toBe(T + MIN);
    // Two computations of the same window only: nothing to summarise, the latest is sent.
    const twice = summariseScores([score('signal', T, 4, 'ok', T + 2 * MIN), score('signal', T, 7, 'warning', T + 3 * MIN)]);
    expect(twice.catchups).toEqual([]);
    expect(twice.newest.map((s) => s.count)).toEqual([7]);
  });

  it('is empty for an empty batch', () => {
    expect(summariseScores([])).toEqual({ catchups: [], newest: [] });
  });
});
