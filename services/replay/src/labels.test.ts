import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveLabels, formatLabels, labelsFile } from './labels';
import { listScenarios, loadLabels, loadScenario } from './scenario-loader';

describe('labels files', () => {
  it.each(listScenarios())('%s.labels.json is valid and up to date (npm run replay -- --write-labels)', (id) => {
    const labels = loadLabels(id);
    expect(readFileSync(labelsFile(id), 'utf8')).toBe(formatLabels(deriveLabels(loadScenario(id))));
    expect(labels.scenarioId).toBe(id);
  });
});

describe('deriveLabels', () => {
  it('fb-2021-10-04: one Meta incident, primaries from 15:44, WhatsApp last, collateral marked, #deletefacebook not an incident', () => {
    const l = deriveLabels(loadScenario('fb-2021-10-04'));
    expect(l.incidents).toHaveLength(1);
    const inc = l.incidents[0]!;
    expect(inc).toMatchObject({ group: 'meta-2021-10-04', groupBy: 'family', family: 'meta', start: '2021-10-04T15:40:00Z' });
    const by = new Map(inc.services.map((s) => [s.serviceId, s]));
    for (const id of ['facebook', 'instagram', 'whatsapp', 'messenger']) {
      expect(by.get(id)).toMatchObject({ role: 'primary', onset: '2021-10-04T15:44:00Z' });
      expect(Date.parse(by.get(id)!.end)).toBeGreaterThanOrEqual(Date.parse('2021-10-04T22:30:00Z'));
    }
    const lag = (Date.parse(by.get('whatsapp')!.end) - Date.parse(by.get('facebook')!.end)) / 60_000;
    expect(lag).toBeGreaterThanOrEqual(15);
    expect(lag).toBeLessThanOrEqual(30);
    for (const id of ['twitter', 'telegram', 'signal', 'discord', 'att', 'verizon', 't-mobile', 'comcast-xfinity', 'vodafone-uk', 'vodafone-ie'])
      expect(by.get(id)?.role).toBe('collateral');
    const expectedMeta = ['facebook', 'instagram', 'whatsapp', 'messenger'].reduce((a, id) => a + by.get(id)!.expectedReports, 0);
    expect(expectedMeta).toBeGreaterThan(14_000_000); // 14 M by 22:30 plus the tail after it
    expect(expectedMeta).toBeLessThan(14_500_000);
    expect(l.nonIncidents.map((n) => n.hashtag)).toEqual(['deletefacebook']);
    expect(inc.hashtags).toEqual(expect.arrayContaining(['facebookdown', 'whatsappdown', 'instagramdown', 'twitterdown']));
  });

  it('quiet-week: no incident, every service quiet', () => {
    const l = deriveLabels(loadScenario('quiet-week'));
    expect(l.incidents).toEqual([]);
    expect(l.nonIncidents).toEqual([]);
    expect(l.quietServices).toHaveLength(40);
  });

  it('cdn-provider: unrelated services grouped into one incident by provider', () => {
    const l = deriveLabels(loadScenario('cdn-provider'));
    expect(l.incidents).toHaveLength(1);
    const inc = l.incidents[0]!;
    expect(inc).toMatchObject({ groupBy: 'provider', provider: 'aws' });
    const primaries = inc.services.filter((s) => s.role === 'primary');
    expect(primaries.length).toBeGreaterThanOrEqual(6);
    const onsets = primaries.map((s) => Date.parse(s.onset));
    expect((Math.max(...onsets) - Math.min(...onsets)) / 60_000).toBeLessThanOrEqual(10);
    expect(l.quietServices).toEqual(expect.arrayContaining(['youtube', 'spotify', 'zoom']));
  });

  it('single-country, blip, slow degradation and viral hashtag say what they test', () => {
    const single = deriveLabels(loadScenario('single-country')).incidents[0]!;
    expect(single.services.find((s) => s.serviceId === 'whatsapp')!.countries).toEqual(['BR']);
    const blip = deriveLabels(loadScenario('blip-6min')).incidents[0]!.services[0]!;
    expect((Date.parse(blip.end) - Date.parse(blip.onset)) / 60_000).toBe(6);
    const slow = deriveLabels(loadScenario('slow-degradation')).incidents[0]!.services[0]!;
    expect((Date.parse(slow.peak) - Date.parse(slow.onset)) / 60_000).toBeGreaterThanOrEqual(115);
    expect(Date.parse(slow.visibleFrom!) - Date.parse(slow.onset)).toBeGreaterThan(30 * 60_000); // hidden at first
    const viral = deriveLabels(loadScenario('viral-hashtag'));
    expect(viral.incidents).toEqual([]);
    expect(viral.nonIncidents).toEqual([
      expect.objectContaining({ hashtag: 'spotifywrapped', serviceId: 'spotify', expect: 'trend-without-incident' }),
    ]);
  });
});
