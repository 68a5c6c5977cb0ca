/**
 * Where the live sources look for each catalog service (schemas/catalog/sources.json): the domains
 * the probes resolve and fetch, and the official status page where one exists. It sits beside
 * services.json rather than in it: services.json says how people name a service, this file says
 * where downradar looks, and an operator changes the second far more often.
 *
 * Checked when loaded: the JSON Schema, then every key must be a catalog id.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { CatalogError, type Catalog } from './index';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020') as typeof import('ajv/dist/2020').default;

export const DEFAULT_SOURCE_CATALOG_PATH = fileURLToPath(new URL('./sources.json', import.meta.url));
const SCHEMA_PATH = fileURLToPath(new URL('./sources.schema.json', import.meta.url));

export type StatusSourceKind = 'statuspage' | 'rss' | 'atom';

export interface StatusSource {
  readonly serviceId: string;
  readonly kind: StatusSourceKind;
  readonly url: string;
}

export interface SourceEntry {
  readonly serviceId: string;
  readonly domains: readonly string[];
  readonly status?: StatusSource;
}

export interface SourceCatalog {
  readonly source: string;
  readonly entries: readonly SourceEntry[];
  get(serviceId: string): SourceEntry | undefined;
  /** Every service with an official status page, in catalog order. */
  statusSources(): StatusSource[];
}

let validator: ReturnType<InstanceType<typeof Ajv2020>['compile']> | undefined;

export function parseSourceCatalog(data: unknown, catalog: Catalog, source = '<in memory>'): SourceCatalog {
  validator ??= new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>);
  if (!validator(data)) {
    throw new CatalogError(source, (validator.errors ?? []).map((e) => `${e.instancePath || '(top level)'}: ${e.message ?? e.keyword}`));
  }
  const raw = (data as { services: Record<string, { domains: string[]; status?: { kind: StatusSourceKind; url: string } }> }).services;
  const issues = Object.keys(raw)
    .filter((id) => catalog.get(id) === undefined)
    .map((id) => `services.${id}: not a service of the catalog ${catalog.source}`);
  if (issues.length > 0) throw new CatalogError(source, issues);
  const entries: SourceEntry[] = catalog.services
    .filter((s) => raw[s.id] !== undefined)
    .map((s) => {
      const r = raw[s.id]!;
      return Object.freeze({ serviceId: s.id, domains: [...r.domains], ...(r.status ? { status: { serviceId: s.id, ...r.status } } : {}) });
    });
  const byId = new Map(entries.map((e) => [e.serviceId, e]));
  return {
    source,
    entries,
    get: (id) => byId.get(id),
    statusSources: () => entries.flatMap((e) => (e.status ? [e.status] : [])),
  };
}

export function loadSourceCatalog(catalog: Catalog, path = DEFAULT_SOURCE_CATALOG_PATH): SourceCatalog {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CatalogError(path, [`cannot read or parse: ${(error as Error).message}`]);
  }
  return parseSourceCatalog(data, catalog, path);
}
