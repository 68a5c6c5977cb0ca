import { loadCatalog } from '../../../schemas/catalog/index';
import type { FamilyOf } from './filter';

/**
 * The two things the notifier needs from the service catalog: a service's family (for the
 * families filter) and its display name (for Slack bodies).
 */
export interface CatalogLookup {
  familyOf: FamilyOf;
  nameOf(serviceId: string): string;
}

export function catalogLookupFrom(entries: ReadonlyArray<{ id: string; name?: string; family?: string | null }>): CatalogLookup {
  const byId = new Map(entries.map((e) => [e.id, e]));
  return {
    familyOf: (id) => byId.get(id)?.family ?? undefined,
    nameOf: (id) => byId.get(id)?.name ?? id,
  };
}

/** From the validated catalog (default schemas/catalog/services.json); throws CatalogError when it is broken. */
export function loadCatalogLookup(path?: string): CatalogLookup {
  return catalogLookupFrom(loadCatalog(path).services);
}
