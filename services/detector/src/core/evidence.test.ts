import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing/simulate';
import { EvidenceCalibration, EpisodeReporter, evidenceFromScore, scoreFromEvidence } from './evidence';

const U0 = 2;
const params = { floorLog10: U0, priorEpisodes: 3, resolveWindows: 3, memoryWindows: 1_000_000 };

/** A record of `peaks` episodes (raw evidence at their peak), each followed by `gap` calm windows. */
function recorded(peaks: readonly number[], gap: number): EvidenceCalibration {
  const c = new EvidenceCalibration(params);
  for (const p of peaks) {
    c.observe(p);
    for (let i = 0; i < gap; i++) c.observe(0.1);
  }
  return c;
}

describe('score', () => {
  it('keeps its resolution in the far tail: 1e-12 and 1e-40 are different scores, and the map inverts', () => {
    expect(scoreFromEvidence(12)).toBeCloseTo(12 / 22, 12);
    expect(scoreFromEvidence(40)).toBeGreaterThan(scoreFromEvidence(12) + 0.2);
    expect(scoreFromEvidence(3000)).toBeGreaterThan(scoreFromEvidence(30));
    for (const e of [0.5, 7, 40, 1e6]) expect(evidenceFromScore(scoreFromEvidence(e)) / e).toBeCloseTo(1, 9);
  });
});

describe('EvidenceCalibration', () => {
  it('without a record it leaves evidence as it is', () => {
    const c = new EvidenceCalibration(params);
    for (const e of [2.5, 7, 40]) expect(c.calibrate(e)).toBeCloseTo(e, 9);
  });

  it("rates an episode by how rare a peak that high has been in the series' own record", () => {
    // 200 episodes in 10,000 windows (one per 50), peaks spread evenly from 3 to 23 decades.
    const peaks = Array.from({ length: 200 }, (_, i) => 3 + (20 * ((i * 37) % 200)) / 199);
    const c = recorded(peaks, 49);
    const rarity = -Math.log10((200 + 3) / (10_000 + 3 * 10 ** U0));
    // a peak that half of the episodes reached: about rarity + log10(2), whatever its raw decades
    expect(c.calibrate(13)).toBeGreaterThan(rarity + Math.log10(2) - 0.1);
    expect(c.calibrate(13)).toBeLessThan(rarity + Math.log10(2) + 0.1);
    // one that only a tenth reached: rarity + 1
    expect(c.calibrate(21)).toBeCloseTo(rarity + 1, 0);
    // an ordinary burst of this series is far from the warning line (7), the same raw evidence in a calm series is not
    expect(c.calibrate(13)).toBeLessThan(4);
  });

  it('keeps ranking beyond the largest peak on record, and never sharpens evidence', () => {
    const rnd = seededRandom(7);
    const peaks = Array.from({ length: 60 }, () => U0 + 0.5 + -Math.log(1 - rnd()) * 6);
    const c = recorded(peaks, 400);
    const top = Math.max(...peaks);
    let previous = 0;
    for (let e = 0.5; e < top + 200; e += 0.25) {
      const x = c.calibrate(e);
      expect(x).toBeLessThanOrEqual(e + 1e-9);
      expect(x).toBeGreaterThanOrEqual(previous - 1e-9);
      previous = x;
    }
    expect(c.calibrate(top + 100)).toBeGreaterThan(c.calibrate(top + 10) + 1);
  });

  it('one or two outages on record do not teach the series that outages are normal', () => {
    const calm = recorded(Array.from({ length: 20 }, () => 3), 500);
    const twoOutages = recorded([...Array.from({ length: 20 }, () => 3), 300, 300], 500);
    expect(twoOutages.calibrate(300)).toBeGreaterThan(calm.calibrate(300) - 1);
    expect(twoOutages.calibrate(300)).toBeGreaterThan(30);
  });

  it("a Gaussian model's heavy-tailed peaks are rated beyond the record at their rarity on the residual's scale (tailScale 'residual'), a light-tailed record's as in decades", () => {
    // Peaks of a Gaussian model's evidence on a residual with an exponential tail: the excess is
    // (sqrt(u0) + U)^2 - u0 decades, U exponential; a light-tailed record: an exponential excess.
    // Out of sample, the share of new episodes rated T >= 3 decades above the rarity (beyond the
    // 2 largest of 200 peaks, so the tail's extrapolation) should be 10^-3.
    const share = (draw: (rnd: () => number) => number, tailScale: 'decades' | 'residual'): number => {
      let hits = 0;
      let n = 0;
      for (const seed of [1, 2, 3, 4, 5]) {
        const rnd = seededRandom(seed);
        const c = new EvidenceCalibration({ ...params, tailScale });
        for (let i = 0; i < 200; i++) {
          c.observe(U0 + draw(rnd));
          for (let j = 0; j < 49; j++) c.observe(0.1);
        }
        const a = c.rarity;
        for (let i = 0; i < 50_000; i++, n++) if (c.calibrate(U0 + draw(rnd)) - a >= 3) hits++;
      }
      return hits / n;
    };
    const exponential = (rnd: () => number): number => -Math.log(1 - rnd());
    const heavy = (rnd: () => number): number => (Math.sqrt(U0) + exponential(rnd)) ** 2 - U0;
    const light = (rnd: () => number): number => 3 * exponential(rnd);
    // In decades the heavy record's strongest episodes are over-rated (about 3.6 times as often as stated).
    expect(share(heavy, 'decades')).toBeGreaterThan(2e-3);
    expect(share(heavy, 'residual')).toBeGreaterThan(0.5e-3);
    expect(share(heavy, 'residual')).toBeLessThan(2e-3);
    expect(share(light, 'decades')).toBeLessThan(2e-3);
    expect(share(light, 'residual')).toBeGreaterThan(0.5e-3);
    expect(share(light, 'residual')).toBeLessThan(2e-3);
  });

  it('restores from its state to the same answers', () => {
    const c = recorded([4, 9, 3, 30, 6], 100);
    const d = new EvidenceCalibration(params);
    d.restore(JSON.parse(JSON.stringify(c.toJSON())));
    for (const e of [1, 3, 5, 8, 20, 200]) expect(d.calibrate(e)).toBe(c.calibrate(e));
  });
});

describe('EpisodeReporter', () => {
  it('reports an episode once, again only when its evidence doubles, and a new one after the resolve windows', () => {
    const r = new EpisodeReporter(U0, 3);
    expect([1, 3, 5, 6, 7, 1, 1, 1, 4].map((e) => r.report(e))).toEqual([1, 3, 0, 6, 0, 0, 0, 0, 4]);
  });

  it('reports growth within an episode only when it is fresh: the recent spans unusual on their own', () => {
    const r = new EpisodeReporter(U0, 3);
    // [evidence of the whole scan, evidence of the recent spans]: the long sums double (3 -> 7)
    // while the recent windows are calm (a decaying tail): not news; then a fresh rise is.
    const windows: Array<[number, number]> = [[3, 3], [7, U0 - 0.5], [12, 1], [14, U0]];
    expect(windows.map(([e, recent]) => r.report(e, recent))).toEqual([3, 0, 0, 14]);
    expect(r.inEpisode).toBe(true);
  });
});
