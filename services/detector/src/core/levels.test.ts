import { describe, expect, it } from 'vitest';
import type { Level } from '../../../../schemas/events/index';
import { DEFAULT_DETECTOR_CONFIG } from './config';
import { LevelTracker } from './levels';

const W = 60_000;
const T0 = Date.UTC(2021, 9, 4, 15, 0);
const L = DEFAULT_DETECTOR_CONFIG.levels;

/** Feeds windows given as [evidence, count, expected]; returns the level after each. */
function feed(tracker: LevelTracker, windows: [number, number, number][], start = T0): Level[] {
  return windows.map(([evidence, count, expected], i) =>
    tracker.observe({ windowStart: start + i * W, evidence, count, expected, independentVariance: expected, correlatedDispersion: 0 }),
  );
}

const quiet: [number, number, number] = [0.1, 5, 5];

describe('LevelTracker', () => {
  it('one extreme window is a warning, not danger: danger needs duration', () => {
    const t = new LevelTracker(L, W);
    expect(feed(t, [quiet, [40, 200, 5]])).toEqual(['ok', 'warning']);
    expect(t.episodeStart).toBe(T0 + W);
  });

  it('two strong windows in a row are danger at the second', () => {
    const t = new LevelTracker(L, W);
    expect(feed(t, [[6, 30, 5], [30, 120, 5]])).toEqual(['ok', 'danger']);
    expect(t.episodeStart).toBe(T0);
  });

  it('moderate windows accumulate evidence into a warning', () => {
    const t = new LevelTracker(L, W);
    expect(feed(t, [[3.5, 12, 5], [3.5, 12, 5], [3.5, 12, 5]])).toEqual(['ok', 'ok', 'warning']);
  });

  it('a high ratio is needed for danger: a long 2x rise stays a warning', () => {
    const t = new LevelTracker(L, W);
    const levels = feed(t, Array.from({ length: 30 }, (): [number, number, number] => [4, 200, 100]));
    expect(levels.at(-1)).toBe('warning');
  });

  it('tiny services do not alert on a handful of reports, however unlikely', () => {
    const t = new LevelTracker(L, W);
    expect(t.minCount).toBe(6);
    expect(feed(t, [[50, 3, 0.01], [0, 0, 0.01], [50, 4, 0.01], [0, 0, 0.01], [50, 3, 0.01]])).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // ...but eleven in three minutes where none are expected is a blip (the scan's own minimum is 6·√3).
    expect(feed(new LevelTracker(L, W), [[50, 3, 0.01], [50, 3, 0.01], [50, 5, 0.01]])).toEqual(['ok', 'ok', 'warning']);
  });

  it('a plateau with a sag neither resolves nor reopens; resolving takes 15 calm minutes', () => {
    const t = new LevelTracker(L, W);
    const high: [number, number, number] = [30, 300, 10];
    const levels = feed(t, [high, high, high, ...Array(8).fill(quiet), high, high, ...Array(15).fill(quiet), quiet]);
    expect(levels.slice(0, 3)).toEqual(['warning', 'danger', 'danger']);
    // 8 quiet windows: danger drops to warning after 5, never to ok.
    expect(levels.slice(3, 11)).not.toContain('ok');
    expect(levels[12]).toBe('danger');
    expect(levels.slice(13, 13 + 14)).not.toContain('ok');
    expect(levels[13 + 14]).toBe('ok');
  });

  it('danger drops to warning after 5 windows without danger height', () => {
    const t = new LevelTracker(L, W);
    const high: [number, number, number] = [30, 300, 10];
    const mild: [number, number, number] = [3, 15, 10]; // unusual but under 2x
    const levels = feed(t, [high, high, mild, mild, mild, mild, mild, mild]);
    expect(levels).toEqual(['warning', 'danger', 'danger', 'danger', 'danger', 'danger', 'warning', 'warning']);
  });

  it('the scan catches a sustained rise that no single window proves', () => {
    const t = new LevelTracker(L, W);
    // 12 reports a minute where 4 are expected: each window only p ~ 1e-3 with these variances.
    const levels = feed(t, Array.from({ length: 6 }, (): [number, number, number] => [1.9, 12, 4]));
    expect(levels.slice(0, 2)).toEqual(['ok', 'ok']);
    expect(levels).toContain('warning');
    expect(t.lastScanEvidence).toBeGreaterThan(L.warningLog10);
  });

  it('restores exactly', () => {
    const a = new LevelTracker(L, W);
    feed(a, [[6, 30, 5], [3, 12, 5]]);
    const b = new LevelTracker(L, W);
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    const more: [number, number, number][] = [[30, 100, 5], quiet, [2.5, 10, 4]];
    expect(feed(b, more, T0 + 2 * W)).toEqual(feed(a, more, T0 + 2 * W));
  });
});
