/**
 * The catalog a replay of a user's scenario runs against: the shipped catalog, plus an entry for
 * every service of the scenario the catalog does not know, built from what the scenario says of
 * it (names, family, provider, size), so that posts naming it are understood and its incident can
 * be grouped by family or provider as the labels expect. Pure.
 */
import { parseCatalog, type Catalog } from '../../../schemas/catalog/index';
import type { Scenario } from '../../../schemas/scenario/index';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PROBLEMS = ['login', 'app', 'server_connection', 'messaging', 'website', 'other'] as const;

/** A phrase as the catalog wants it: lower case, no '#', 1-60 characters. */
function phrase(name: string): string | undefined {
  const p = name.toLowerCase().replaceAll('#', '').trim();
  return p.length > 0 && p.length <= 60 ? p : undefined;
}

export function catalogForScenario(catalog: Catalog, scenario: Scenario): Catalog {
  const unknown = scenario.services.filter((s) => catalog.get(s.id) === undefined);
  if (unknown.length === 0) return catalog;
  const taken = new Set<string>();
  for (const c of catalog.services) for (const a of [c.name.toLowerCase(), c.id, ...c.aliases, ...c.ambiguousAliases, ...c.misspellings]) taken.add(a);
  const added = unknown.map((s) => {
    const names = s.names ?? [s.id];
    const aliases = [...new Set(names.map(phrase).filter((p): p is string => p !== undefined && p !== s.id && !taken.has(p)))];
    // The catalog wants 'other' on every report button.
    const problems = s.problems ? [...new Set([...PROBLEMS.filter((p) => (s.problems![p] ?? 0) > 0), 'other' as const])] : [...PROBLEMS];
    return {
      id: s.id,
      name: names[0]!,
      category: 'other',
      family: s.family !== undefined && SLUG.test(s.family) ? s.family : null,
      provider: s.provider !== undefined && SLUG.test(s.provider) ? s.provider : s.id,
      aliases,
      ambiguousAliases: [],
      misspellings: [],
      hashtags: [],
      dependsOn: [],
      problems,
      baselinePerMinute: s.baselinePerMinute,
    };
  });
  const existing = catalog.services.map((c) => ({ ...c, aliases: [...c.aliases], ambiguousAliases: [...c.ambiguousAliases], misspellings: [...c.misspellings], hashtags: [...c.hashtags], dependsOn: [...c.dependsOn], countries: [...c.countries], problems: [...c.problems] }));
  return parseCatalog({ version: catalog.version, services: [...existing, ...added] }, `${catalog.source} + the services of scenario ${scenario.id}`);
}
