import { describe, expect, it } from 'vitest';
import type { Level } from '../../../../schemas/events/index';
import { DEFAULT_DETECTOR_CONFIG } from './config';
import { LevelTracker } from './levels';

const W = 60_000;
const T0 = Date.UTC(2021, 9, 4, 15, 0);
const L = DEFAULT_DETECTOR_CONFIG.levels;

/** A window as [calibrated evidence, evidence against the danger band, counted reports in the span]. */
type Win = [number, number, number];

function feed(tracker: LevelTracker, windows: Win[], start = T0): Level[] {
  return windows.map(([evidence, dangerEvidence, reports], i) =>
    tracker.observe({ windowStart: start + i * W, evidence, dangerEvidence, reports, dangerReports: reports, spanStart: start + i * W, dangerStart: start + i * W }),
  );
}

const quiet: Win = [0.1, 0, 5];
const strong: Win = [30, 20, 300];

describe('LevelTracker', () => {
  it('evidence at the warning line is a warning; one extreme window is never danger (duration)', () => {
    const t = new LevelTracker(L, W);
    expect(feed(t, [quiet, [L.warningLog10 - 0.01, 0, 50], quiet])).toEqual(['ok', 'ok', 'ok']);
    const u = new LevelTracker(L, W);
    expect(feed(u, [quiet, [40, 30, 200]])).toEqual(['ok', 'warning']);
    expect(u.episodeStart).toBe(T0 + W);
  });

  it('two unusual windows, certainly anomalous and certainly above three times normal, are danger', () => {
    const t = new LevelTracker(L, W);
    expect(feed(t, [[3, 1, 20], strong])).toEqual(['ok', 'danger']);
    expect(t.episodeStart).toBe(T0);
  });

  it('a long rise that is certain but not three times normal stays a warning', () => {
    const t = new LevelTracker(L, W);
    const levels = feed(t, Array.from({ length: 30 }, (): Win => [12, 0.5, 400]));
    expect(levels.at(-1)).toBe('warning');
    expect(levels).not.toContain('danger');
  });

  it('needs minReports counted reports in the span: a handful of reports is never a warning, however unlikely', () => {
    expect(L.minReports).toBe(5);
    const t = new LevelTracker(L, W);
    expect(feed(t, [[50, 40, 3], [50, 40, 4], [50, 40, 4]])).toEqual(['ok', 'ok', 'ok']);
    expect(feed(t, [[50, 40, 5]], T0 + 3 * W)).toEqual(['danger']);
    const noMinimum = new LevelTracker({ ...L, minReports: 0 }, W);
    expect(feed(noMinimum, [[50, 40, 1]])).toEqual(['warning']);
  });

  it('a plateau with a sag neither resolves nor reopens; resolving takes resolveAfterMs calm minutes', () => {
    const t = new LevelTracker(L, W);
    const calm = L.resolveAfterMs / W;
    expect(calm).toBe(10);
    const levels = feed(t, [strong, strong, strong, ...Array(8).fill(quiet), strong, strong, ...Array(calm).fill(quiet), quiet]);
    expect(levels.slice(0, 3)).toEqual(['warning', 'danger', 'danger']);
    // 8 quiet windows: danger drops to warning after 5, never to ok.
    expect(levels.slice(3, 11)).not.toContain('ok');
    expect(levels[12]).toBe('danger');
    expect(levels.slice(13, 13 + calm - 1)).not.toContain('ok');
    expect(levels[13 + calm - 1]).toBe('ok');
    expect(t.episodeStart).toBeNull();
  });

  it('resolves on the recent evidence while the whole scan still holds the outage; the evidence episode (held) waits for the whole scan', () => {
    const t = new LevelTracker(L, W, 15 * W);
    const observe = (i: number, evidence: number, recentEvidence: number) =>
      t.observe({ windowStart: T0 + i * W, evidence, recentEvidence, dangerEvidence: 0, reports: 300, dangerReports: 300, spanStart: T0, dangerStart: T0 });
    let i = 0;
    for (; i < 5; i++) observe(i, 30, 30);
    expect(t.level).toBe('warning');
    // The rates are back: the recent spans are calm, the 32-window sum still sees the outage (E = 12).
    const back = i;
    const levels: Level[] = [];
    for (; i < back + 25; i++) levels.push(observe(i, 12, 0.5));
    const calm = L.resolveAfterMs / W;
    expect(levels.slice(0, calm - 1)).not.toContain('ok');
    expect(levels[calm - 1]).toBe('ok');
    expect(t.held).toBe(true);
    // The long sums still at the warning line raise nothing while the recent spans stay calm ...
    expect(observe(i++, 12, 0.5)).toBe('ok');
    // ... fresh evidence in the recent spans does.
    expect(observe(i++, 12, 3)).toBe('warning');
    for (let k = 0; k < L.resolveAfterMs / W; k++) observe(i++, 12, 0.5);
    expect(t.level).toBe('ok');
    // Once the whole scan is calm, the evidence episode ends 15 windows later.
    for (let k = 0; k < 14; k++) observe(i++, 0.5, 0.5);
    expect(t.held).toBe(true);
    observe(i++, 0.5, 0.5);
    expect(t.held).toBe(false);
    expect(t.level).toBe('ok');
  });

  it('danger drops to warning after 5 windows without unusual evidence against the danger band', () => {
    const t = new LevelTracker(L, W);
    const mild: Win = [4, 0.5, 30];
    const levels = feed(t, [strong, strong, mild, mild, mild, mild, mild, mild]);
    expect(levels).toEqual(['warning', 'danger', 'danger', 'danger', 'danger', 'danger', 'warning', 'warning']);
  });

  it('the episode starts at the span that raised it, or at the unusual windows that led up to it', () => {
    const t = new LevelTracker(L, W);
    t.observe({ windowStart: T0, evidence: 3, dangerEvidence: 0, reports: 10, dangerReports: 10, spanStart: T0, dangerStart: T0 });
    t.observe({ windowStart: T0 + W, evidence: 9, dangerEvidence: 0, reports: 30, dangerReports: 30, spanStart: T0 - 3 * W, dangerStart: T0 });
    expect(t.level).toBe('warning');
    expect(t.episodeStart).toBe(T0 - 3 * W);
  });

  it('restores exactly, and takes a state from before the scan', () => {
    const a = new LevelTracker(L, W);
    feed(a, [[6, 0, 30], strong]);
    const b = new LevelTracker(L, W);
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    const more: Win[] = [strong, quiet, [2.5, 0, 10]];
    expect(feed(b, more, T0 + 2 * W)).toEqual(feed(a, more, T0 + 2 * W));
    const old = new LevelTracker(L, W);
    old.restore({ level: 'warning', runLength: 3, runEvidence: 12, runStart: T0, calm: 0, belowDanger: 0, episodeStart: T0, recent: [] } as never);
    expect(old.level).toBe('warning');
    expect(old.episodeStart).toBe(T0);
  });
});
