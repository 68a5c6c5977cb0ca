import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { TrendEvent } from '../../../../schemas/events/index';
import { DEFAULT_DETECTOR_CONFIG, resolveDetectorConfig } from './config';
import type { HashtagLookup } from './facts';
import { scoreFromEvidence } from './evidence';
import { HashtagTrends } from './trends';

const W = 60_000;
const T0 = Date.UTC(2021, 9, 4, 12, 0);
const lookup: HashtagLookup = (tag) => (tag === 'facebookdown' ? { serviceId: 'facebook', outage: true } : undefined);

function trends(config = DEFAULT_DETECTOR_CONFIG) {
  return new HashtagTrends(config.trends, W, lookup, 2);
}

let sourceSeq = 0;
function post(t: HashtagTrends, tags: string[], service: string, windowStart: number, n = 1) {
  for (let i = 0; i < n; i++) t.add(tags, `p${sourceSeq++}`, service, windowStart);
}

describe('HashtagTrends', () => {
  it('a new hashtag at 100 a minute trends, names its service and validates', () => {
    const t = trends();
    post(t, ['facebookdown'], 'facebook', T0, 100);
    post(t, ['brandnewthing'], 'instagram', T0, 40);
    post(t, ['rare'], 'instagram', T0, 3);
    const out = t.closeWindow(T0);
    expect(out.map((e) => e.hashtag)).toEqual(['facebookdown', 'brandnewthing']);
    const [fb, fresh] = out;
    expect(fb).toMatchObject({ count: 100, trending: true, serviceId: 'facebook', outage: true, windowStart: T0, windowEnd: T0 + W });
    expect(fb!.burst).toBeGreaterThan(scoreFromEvidence(DEFAULT_DETECTOR_CONFIG.trends.trendingLog10));
    // not in the catalog: attributed to the only service whose posts carried it
    expect(fresh).toMatchObject({ trending: true, serviceId: 'instagram' });
    expect(fresh!.outage).toBeUndefined();
    for (const e of out) expect(Value.Check(TrendEvent, e)).toBe(true);
  });

  it('a steady hashtag stops bursting once its baseline has learnt it', () => {
    const t = trends();
    let last;
    for (let i = 0; i < 240; i++) {
      post(t, ['dailychatter'], 'twitter', T0 + i * W, 20);
      last = t.closeWindow(T0 + i * W)[0];
    }
    expect(last!.trending).toBe(false);
    expect(last!.expected).toBeGreaterThan(12);
  });

  it('counts a post once however many services it names', () => {
    const t = trends();
    for (let i = 0; i < 30; i++) for (const s of ['facebook', 'instagram', 'whatsapp']) t.add(['metadown'], `post${i}`, s, T0);
    const [e] = t.closeWindow(T0);
    expect(e!.count).toBe(30);
    expect(e!.serviceId).toBe('facebook'); // counted with the first service that brought it
  });

  it('stays bounded with 1,000,000 distinct hashtags in an hour, and the trend still shows', () => {
    const cfg = resolveDetectorConfig();
    const t = trends(cfg);
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const perWindow = 1_000_000 / 60;
    let n = 0;
    let reported = 0;
    let sawTrend = false;
    for (let w = 0; w < 60; w++) {
      const ws = T0 + w * W;
      for (let i = 0; i < perWindow; i++) {
        t.add([`noise${n}`], `src${n}`, 'twitter', ws);
        n++;
        if (w >= 30 && i % 100 === 0) t.add(['twitterdown'], `tw${n}`, 'twitter', ws); // ~167 a minute
      }
      const sizes = t.sizes();
      expect(sizes.countersPerWindow).toBeLessThanOrEqual(cfg.trends.topK);
      expect(sizes.sources).toBeLessThanOrEqual(cfg.trends.sourceMemory);
      const out = t.closeWindow(ws);
      reported += out.length;
      if (out.some((e) => e.hashtag === 'twitterdown' && e.trending)) sawTrend = true;
    }
    const sizes = t.sizes();
    expect(sizes.baselines).toBeLessThanOrEqual(cfg.trends.baselineCapacity);
    expect(sizes.openWindows).toBe(0);
    expect(sawTrend).toBe(true);
    expect(reported).toBeLessThanOrEqual(60 * 5); // noise never reaches the minimum count
    gc?.();
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    expect(growthMb).toBeLessThan(150);
  });

  it('restores exactly (open windows, source memory, LRU order)', () => {
    const cfg = resolveDetectorConfig({ trends: { baselineCapacity: 50, topK: 64 } });
    const a = trends(cfg);
    const drive = (t: HashtagTrends, from: number, to: number) => {
      const out = [];
      for (let w = from; w < to; w++) {
        for (let i = 0; i < 200; i++) t.add([`tag${(i * 31 + w * 7) % 97}`, 'common'], `s${w}-${i}`, i % 2 ? 'facebook' : 'twitter', T0 + w * W);
        if (w > from) out.push(...t.closeWindow(T0 + (w - 1) * W));
      }
      return out;
    };
    const full = drive(a, 0, 40);
    const b = trends(cfg);
    const first = drive(b, 0, 20);
    const snap = JSON.parse(JSON.stringify(b.snapshot()));
    const c = trends(cfg);
    c.restore(snap.meta, snap.chunks);
    // continue: window 19 is still open in the snapshot
    const second = [];
    for (let w = 20; w < 40; w++) {
      for (let i = 0; i < 200; i++) c.add([`tag${(i * 31 + w * 7) % 97}`, 'common'], `s${w}-${i}`, i % 2 ? 'facebook' : 'twitter', T0 + w * W);
      second.push(...c.closeWindow(T0 + (w - 1) * W));
    }
    expect([...first, ...second]).toEqual(full);
  });
});
