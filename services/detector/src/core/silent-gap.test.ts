import { describe, expect, it } from 'vitest';
import type { SignalEvent } from '../../../../schemas/events/index';
import { createDetector, MAX_SILENT_GAP_MS } from './detector';

const sig = (at: number, id: string): SignalEvent => ({
  id,
  sourceId: id,
  serviceId: 'facebook',
  kind: 'report',
  at,
  receivedAt: at,
  outage: true,
  problem: 'app',
  confidence: 1,
  hashtags: [],
  reporterHash: id,
});

describe('a jump in event time over a silent stretch', () => {
  it('scores only the last MAX_SILENT_GAP_MS of the gap instead of every window since 2021', () => {
    const d = createDetector({});
    const old = Date.UTC(2021, 9, 4, 23, 0);
    d.ingest(sig(old, 'a'));
    d.advance(old + 120_000);
    const now = Date.UTC(2026, 10, 25, 2, 0);
    for (let i = 0; i < 120; i++) d.ingest(sig(now - 120_000 + i * 1000, `n${i}`));
    const started = performance.now();
    const out = d.advance(now);
    expect(performance.now() - started).toBeLessThan(5_000);
    const windows = new Set(out.scores.map((s) => s.windowStart));
    // At most the 6 h tail of the gap (360 one-minute windows) plus the windows with data.
    expect(windows.size).toBeLessThanOrEqual(MAX_SILENT_GAP_MS / 60_000 + 5);
    // Before the gap only the 2021 window that held the old report is scored.
    expect([...windows].filter((w) => w < now - MAX_SILENT_GAP_MS - 5 * 60_000)).toEqual([old]);
    expect(d.stats().windowsSkipped).toBeGreaterThan(2_000_000);
    // The windows with data are scored with their counts.
    expect(out.scores.filter((s) => s.count > 0).reduce((a, s) => a + s.count, 0)).toBeGreaterThan(0);
  });

  it('still scores every window of a gap shorter than the limit', () => {
    const d = createDetector({});
    const t0 = Date.UTC(2021, 9, 4, 12, 0);
    d.ingest(sig(t0, 'a'));
    d.advance(t0);
    const t1 = t0 + 3 * 3_600_000;
    d.ingest(sig(t1, 'b'));
    const out = d.advance(t1 + 60_000);
    expect(d.stats().windowsSkipped).toBe(0);
    // every minute from the first window to the last closed one, none skipped
    expect(new Set(out.scores.map((x) => x.windowStart)).size).toBeGreaterThanOrEqual(179);
  });
});
