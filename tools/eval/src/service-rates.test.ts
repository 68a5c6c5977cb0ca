import { describe, expect, it } from 'vitest';
import { loadLabels, loadScenario } from '@downradar/replay';
import { AFTER_END_MS } from './evaluate';
import { ratePaths } from './service-rates';

describe('true rates of labelled services', () => {
  const scenario = loadScenario('blip-6min');
  const labels = loadLabels('blip-6min');
  const [discord] = ratePaths(scenario, labels, 1);
  const label = labels.incidents[0]!.services[0]!;

  it('one path per labelled service, from the onset window to the labelled end + 15 min', () => {
    expect(ratePaths(scenario, labels, 1)).toHaveLength(1);
    expect(discord).toMatchObject({ serviceId: 'discord', role: 'primary', onset: Date.parse(label.onset), onsetOffset: 0 });
    expect(discord!.rates).toHaveLength((Date.parse(label.end) + AFTER_END_MS - Date.parse(label.onset)) / 60_000 + 1);
  });

  it("the normal rate is the service's reports and outage complaints (0.15 per report) at that minute", () => {
    // The labels give the normal report rate at the peak minute (19:43), a minute after the onset.
    expect(discord!.normalPerWindow).toBeCloseTo(label.normalPerMinuteAtPeak * 1.15, 1);
    // After the outage (and its 15 minutes) only the normal rate is left.
    expect(discord!.rates.at(-1)!).toBeCloseTo(discord!.normalPerWindow, 0);
  });

  it("the outage adds the incident's reports and outage posts (0.5 per report), as many as the labels expect", () => {
    let added = 0;
    for (const r of discord!.rates) added += r - discord!.normalPerWindow;
    expect(added / 1.5).toBeGreaterThan(label.expectedReports * 0.97);
    expect(added / 1.5).toBeLessThan(label.expectedReports * 1.03);
    expect(discord!.peakPerWindow).toBeCloseTo(label.peakPerMinute * 1.5 + label.normalPerMinuteAtPeak * 1.15, 0);
  });

  it('scales with the replay', () => {
    const [tenth] = ratePaths(scenario, labels, 0.1);
    expect(tenth!.normalPerWindow).toBeCloseTo(discord!.normalPerWindow / 10, 9);
    tenth!.rates.forEach((r, i) => expect(r).toBeCloseTo(discord!.rates[i]! / 10, 9));
  });
});
