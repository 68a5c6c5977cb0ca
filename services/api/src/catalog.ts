/**
 * What the API needs of the service catalog: ids and display fields. main.ts fills it from
 * `loadCatalog()` (services/common); tests pass a few entries.
 */
export interface CatalogService {
  id: string;
  name: string;
  category: string;
  family: string | null;
  provider: string | null;
}

export interface ApiCatalog {
  readonly services: readonly CatalogService[];
  get(id: string): CatalogService | undefined;
}

export function apiCatalog(
  entries: ReadonlyArray<{ id: string; name: string; category: string; family?: string | null; provider?: string | null }>,
): ApiCatalog {
  const services = entries.map((e) => ({
    id: e.id,
    name: e.name,
    category: e.category,
    family: e.family ?? null,
    provider: e.provider ?? null,
  }));
  const byId = new Map(services.map((s) => [s.id, s]));
  return { services, get: (id) => byId.get(id) };
}
