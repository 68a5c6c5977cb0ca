import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { loadScenario } from '@downradar/replay';
import type { Scenario } from '../../../schemas/scenario/index';
import { catalogForScenario } from './scenario-catalog';

const catalog = loadCatalog();

describe('the catalog of a scenario file', () => {
  it('is the shipped catalog when the scenario uses catalog services only', () => {
    expect(catalogForScenario(catalog, loadScenario('blip-6min'))).toBe(catalog);
  });

  it('adds the services it does not know, with their names, family, provider and size', () => {
    const base = loadScenario('blip-6min');
    const scenario: Scenario = {
      ...base,
      services: [
        ...base.services,
        { id: 'acme-chat', names: ['Acme Chat', 'acmechat', 'Discord'], baselinePerMinute: 0.7, profile: base.services[0]!.profile, provider: 'acme-cloud', family: 'acme', problems: { login: 1, app: 1 } },
      ],
    };
    const extended = catalogForScenario(catalog, scenario);
    expect(extended.services).toHaveLength(catalog.services.length + 1);
    expect(extended.get('acme-chat')).toMatchObject({
      name: 'Acme Chat',
      // 'discord' names another service already, so it is not taken as an alias
      aliases: ['acme chat', 'acmechat'],
      family: 'acme',
      provider: 'acme-cloud',
      problems: ['login', 'app', 'other'],
      baselinePerMinute: 0.7,
    });
    expect(extended.providedBy('acme-cloud').map((s) => s.id)).toEqual(['acme-chat']);
    expect(extended.get('discord')).toEqual(catalog.get('discord'));
  });
});
