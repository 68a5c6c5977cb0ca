import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { deriveLabels, loadScenario } from '@downradar/replay';
import { failureGroups, generateFamily } from './families';

const catalog = loadCatalog();
const base = loadScenario('quiet-week');

describe('scenario families', () => {
  it('historyDays moves the onset (and the end) by whole days and draws nothing else differently', () => {
    const two = generateFamily(7, catalog, base);
    const eight = generateFamily(7, catalog, base, 8);
    const day = 86_400_000;
    expect(Date.parse(eight.draw.onset) - Date.parse(two.draw.onset)).toBe(6 * day);
    expect(Date.parse(eight.scenario.end) - Date.parse(eight.scenario.start)).toBe(9 * day);
    expect(eight.scenario.start).toBe(two.scenario.start);
    expect({ ...eight.draw, onset: '' }).toEqual({ ...two.draw, onset: '' });
    expect(eight.scenario.services).toEqual(two.scenario.services);
    expect(eight.scenario.incidents[0]!.services).toEqual(two.scenario.incidents[0]!.services);
  });

  it('the same seed gives the same scenario, another seed another one', () => {
    expect(generateFamily(7, catalog, base)).toEqual(generateFamily(7, catalog, base));
    expect(generateFamily(8, catalog, base).scenario).not.toEqual(generateFamily(7, catalog, base).scenario);
  });

  it('draws within the stated ranges, from catalog groups that really share a provider or family', () => {
    const groups = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const { scenario, draw } = generateFamily(seed, catalog, base);
      groups.add(`${draw.groupBy}:${draw.group}`);
      expect(draw.primaries.length).toBeGreaterThanOrEqual(2);
      expect(draw.primaries.length).toBeLessThanOrEqual(8);
      expect(draw.bystanders).toHaveLength(4);
      expect(draw.bystanders.some((b) => draw.primaries.includes(b))).toBe(false);
      for (const id of draw.primaries) {
        const c = catalog.get(id)!;
        expect(draw.groupBy === 'provider' ? c.provider : c.family).toBe(draw.group);
      }
      expect(draw.scale).toBeGreaterThanOrEqual(0.01);
      expect(draw.scale).toBeLessThanOrEqual(1);
      expect(scenario.defaultScale).toBe(draw.scale);
      for (const s of scenario.services) {
        expect(catalog.get(s.id)).toBeDefined();
        expect(s.baselinePerMinute).toBeGreaterThanOrEqual(0.05);
        expect(s.baselinePerMinute).toBeLessThanOrEqual(20);
      }
      const onset = Date.parse(draw.onset);
      const start = Date.parse(scenario.start);
      expect(onset - start).toBeGreaterThanOrEqual(2 * 86_400_000);
      expect(onset - start).toBeLessThan(2 * 86_400_000 + 16 * 3_600_000);
      const inc = scenario.incidents[0]!;
      expect(draw.groupBy === 'provider' ? inc.provider : inc.family).toBe(draw.group);
      for (const s of inc.services) {
        expect(s.peakMultiplier!).toBeGreaterThanOrEqual(2);
        expect(s.peakMultiplier!).toBeLessThanOrEqual(40);
        expect(s.rampMinutes!).toBeGreaterThanOrEqual(1);
        expect(s.rampMinutes!).toBeLessThanOrEqual(15);
      }
    }
    // Sixty seeds reach many groups of both kinds.
    expect([...groups].filter((g) => g.startsWith('provider:')).length).toBeGreaterThan(2);
    expect([...groups].filter((g) => g.startsWith('family:')).length).toBeGreaterThan(2);
  });

  it('labels follow from the scenario: the drawn primaries, grouped by the drawn provider or family, ending before the replay does', () => {
    for (let seed = 100; seed < 110; seed++) {
      const { scenario, draw } = generateFamily(seed, catalog, base);
      const labels = deriveLabels(scenario);
      expect(labels.incidents).toHaveLength(1);
      const inc = labels.incidents[0]!;
      expect(inc.groupBy).toBe(draw.groupBy);
      expect(inc.services.map((s) => s.serviceId).sort()).toEqual([...draw.primaries].sort());
      expect(inc.services.every((s) => s.role === 'primary')).toBe(true);
      expect(Date.parse(inc.end)).toBeLessThan(Date.parse(scenario.end));
      expect(labels.quietServices.sort()).toEqual([...draw.bystanders].sort());
    }
  });

  it('lists the catalog groups of two services or more', () => {
    const groups = failureGroups(catalog);
    expect(groups.find((g) => g.groupBy === 'provider' && g.name === 'aws')!.members.length).toBeGreaterThan(10);
    expect(groups.find((g) => g.groupBy === 'family' && g.name === 'meta')!.members.map((s) => s.id)).toContain('whatsapp');
    expect(groups.every((g) => g.members.length >= 2)).toBe(true);
  });
});
