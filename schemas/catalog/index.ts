/**
 * The service catalog (schemas/catalog/services.json): which services downradar watches, how
 * people name them, and how they hang together (family, provider, dependencies).
 *
 * Everything downstream trusts catalog ids (the API only lets catalog slugs reach SQL, the
 * detector groups incidents by family and provider, the text understanding builds its alias
 * index from it), so the file is validated strictly when it is loaded: first the JSON Schema
 * (schemas/catalog/catalog.schema.json), then the rules between entries that JSON Schema cannot
 * express. An error names the file, the entry (by id) and the field, because a catalog is edited
 * by hand and a bare "validation failed" would send its editor hunting.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import type { ProblemCategory } from '../events/index';

// ajv is CommonJS; taking the 2020-12 flavour through require keeps one instance and no interop guesswork.
const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020') as typeof import('ajv/dist/2020').default;

export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL('./services.json', import.meta.url));
export const CATALOG_SCHEMA_PATH = fileURLToPath(new URL('./catalog.schema.json', import.meta.url));

export const SERVICE_CATEGORIES = [
  'social', 'messaging', 'streaming', 'gaming', 'shopping', 'finance', 'cloud', 'productivity', 'email', 'search', 'telecom', 'other',
] as const;
export type ServiceCategory = (typeof SERVICE_CATEGORIES)[number];

/** A name of the service in one language and script ("インスタ", "واتساب", "zap"), with where it comes from. */
export interface LocalName {
  readonly name: string;
  /** ISO 639-1 language. */
  readonly lang: string;
  /** ISO 15924 script: Latn, Kana, Jpan, Arab, Deva, Cyrl... */
  readonly script: string;
  readonly kind: 'name' | 'transliteration' | 'nickname';
  /** Also an everyday word ("zap", "ライン"): counts only in outage context, like ambiguousAliases. */
  readonly ambiguous?: boolean;
  readonly source: string;
}

/** One catalog entry, as validated. `countries` and `localNames` are always present after loading ([] = none). */
export interface CatalogService {
  readonly id: string;
  readonly name: string;
  readonly category: ServiceCategory;
  readonly family: string | null;
  readonly provider: string;
  readonly aliases: readonly string[];
  readonly ambiguousAliases: readonly string[];
  readonly misspellings: readonly string[];
  readonly localNames: readonly LocalName[];
  readonly hashtags: readonly string[];
  readonly dependsOn: readonly string[];
  readonly countries: readonly string[];
  readonly problems: readonly ProblemCategory[];
  /** An assumption (typical reports per minute at Downdetector scale), used as a prior, never as data. */
  readonly baselinePerMinute: number;
}

export interface Catalog {
  readonly version: number;
  /** Where it was read from, for messages. */
  readonly source: string;
  readonly services: readonly CatalogService[];
  readonly byId: ReadonlyMap<string, CatalogService>;
  /** Catalog hashtag (lower case, no '#', as listed) to the one service that owns it. */
  readonly byHashtag: ReadonlyMap<string, CatalogService>;
  /** The service or undefined; callers at the edge use this to refuse unknown ids. */
  get(id: string): CatalogService | undefined;
  /** Services of the same family as `id`, itself included; just itself when it has no family; [] when unknown. */
  family(id: string): CatalogService[];
  /** Every service of the family name ('meta'); [] when none. */
  familyMembers(familyName: string): CatalogService[];
  /** Every service served from that provider ('aws'), for grouping spikes that share infrastructure. */
  providedBy(provider: string): CatalogService[];
  /** Services that list `id` in dependsOn, directly: the ones that may spike as collateral when `id` fails. */
  dependents(id: string): CatalogService[];
}

/** A catalog that cannot be used. `issues` lists every problem found, each naming entry and field. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid service catalog ${source}:\n  - ${issues.join('\n  - ')}`);
  }
}

let compiledValidator: ReturnType<InstanceType<typeof Ajv2020>['compile']> | undefined;
function catalogValidator() {
  if (!compiledValidator) {
    const schema = JSON.parse(readFileSync(CATALOG_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    // validateSchema: false skips checking our own schema against the 2020-12 meta-schema at every
    // process start (two thirds of the compile time); catalogSchemaProblems() does it in a unit test.
    const ajv = new Ajv2020({ allErrors: true, strict: true, validateSchema: false });
    compiledValidator = ajv.compile(schema);
  }
  return compiledValidator;
}

/** Problems of catalog.schema.json itself against the JSON Schema 2020-12 meta-schema; [] when valid. */
export function catalogSchemaProblems(): string[] {
  const ajv = new Ajv2020({ strict: true });
  const schema = JSON.parse(readFileSync(CATALOG_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  if (ajv.validateSchema(schema)) return [];
  return (ajv.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? e.keyword}`);
}

/** "services[3] (id "instagram").dependsOn[0]" from ajv's "/services/3/dependsOn/0". */
function describePath(data: unknown, instancePath: string): string {
  const parts = instancePath.split('/').slice(1);
  if (parts[0] !== 'services' || parts[1] === undefined) return instancePath || '(top level)';
  const index = Number(parts[1]);
  const entry = (data as { services?: unknown[] }).services?.[index] as { id?: unknown } | undefined;
  const label = typeof entry?.id === 'string' ? `services[${index}] (id "${entry.id}")` : `services[${index}]`;
  const rest = parts.slice(2).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  return label + rest;
}

function describeSchemaError(data: unknown, error: ErrorObject): string {
  const where = describePath(data, error.instancePath);
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown field "${String((error.params as { additionalProperty: string }).additionalProperty)}"`;
  }
  if (error.keyword === 'required') {
    return `${where}: missing field "${String((error.params as { missingProperty: string }).missingProperty)}"`;
  }
  return `${where}: ${error.message ?? error.keyword}`;
}

/** The rules between entries; returns every broken one rather than the first. */
function crossEntryIssues(services: readonly CatalogService[]): string[] {
  const issues: string[] = [];
  const label = (s: CatalogService, i: number) => `services[${i}] (id "${s.id}")`;
  const firstIndexOfId = new Map<string, number>();
  services.forEach((s, i) => {
    const earlier = firstIndexOfId.get(s.id);
    if (earlier !== undefined) issues.push(`${label(s, i)}.id: duplicate id, already used by services[${earlier}]`);
    else firstIndexOfId.set(s.id, i);
  });

  const hashtagOwner = new Map<string, string>();
  services.forEach((s, i) => {
    s.dependsOn.forEach((dep, j) => {
      if (dep === s.id) issues.push(`${label(s, i)}.dependsOn[${j}]: a service cannot depend on itself`);
      else if (!firstIndexOfId.has(dep)) issues.push(`${label(s, i)}.dependsOn[${j}]: unknown service id "${dep}"`);
    });
    s.hashtags.forEach((tag, j) => {
      const owner = hashtagOwner.get(tag);
      if (owner !== undefined && owner !== s.id) issues.push(`${label(s, i)}.hashtags[${j}]: "${tag}" already belongs to "${owner}"`);
      else hashtagOwner.set(tag, s.id);
    });
    const plain = new Set(s.aliases);
    s.ambiguousAliases.forEach((alias, j) => {
      if (plain.has(alias)) issues.push(`${label(s, i)}.ambiguousAliases[${j}]: "${alias}" is also in aliases; keep it in one list`);
    });
  });

  // A name shared by several services ('vodafone') can only be resolved by the post's country,
  // so every service sharing it must say where it operates, and no two may serve the same country.
  const servicesByPhrase = new Map<string, CatalogService[]>();
  for (const s of services) {
    for (const phrase of new Set([...s.aliases, ...s.misspellings])) {
      const list = servicesByPhrase.get(phrase) ?? [];
      list.push(s);
      servicesByPhrase.set(phrase, list);
    }
  }
  for (const [phrase, sharing] of servicesByPhrase) {
    if (sharing.length < 2) continue;
    const ids = sharing.map((s) => `"${s.id}"`).join(', ');
    for (const s of sharing) {
      if (s.countries.length === 0) {
        issues.push(`services[${firstIndexOfId.get(s.id)}] (id "${s.id}").aliases: "${phrase}" is shared with ${ids}; shared aliases need countries to tell them apart`);
      }
    }
    const countryOwner = new Map<string, string>();
    for (const s of sharing) {
      for (const c of s.countries) {
        const owner = countryOwner.get(c);
        if (owner !== undefined) issues.push(`services[${firstIndexOfId.get(s.id)}] (id "${s.id}").countries: "${phrase}" in ${c} could be "${owner}" or "${s.id}"`);
        else countryOwner.set(c, s.id);
      }
    }
  }

  // Cycles would make "collateral of" meaningless (and loop any walk up the dependency graph).
  const byId = new Map(services.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(id)), id].join(' -> ');
      issues.push(`services[${firstIndexOfId.get(id)}] (id "${id}").dependsOn: dependency cycle ${cycle}`);
      return;
    }
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.dependsOn ?? []) if (byId.has(dep)) visit(dep, [...path, id]);
    state.set(id, 'done');
  };
  for (const s of services) visit(s.id, []);
  return issues;
}

/**
 * Validates parsed catalog JSON and builds its indexes. Throws CatalogError listing every problem.
 * Use this for catalogs that do not come from a file (tests, an API upload later).
 */
export function parseCatalog(data: unknown, source = '<in memory>'): Catalog {
  const validate = catalogValidator();
  if (!validate(data)) {
    throw new CatalogError(source, (validate.errors ?? []).map((e) => describeSchemaError(data, e)));
  }
  const raw = data as { version: number; services: Array<Omit<CatalogService, 'countries' | 'localNames'> & { countries?: string[]; localNames?: LocalName[] }> };
  const services: CatalogService[] = raw.services.map((s) => Object.freeze({ ...s, countries: s.countries ?? [], localNames: s.localNames ?? [] }));
  const issues = crossEntryIssues(services);
  if (issues.length > 0) throw new CatalogError(source, issues);

  const byId = new Map(services.map((s) => [s.id, s]));
  const byHashtag = new Map<string, CatalogService>();
  for (const s of services) for (const tag of s.hashtags) byHashtag.set(tag, s);
  const groupBy = (key: (s: CatalogService) => string | null) => {
    const groups = new Map<string, CatalogService[]>();
    for (const s of services) {
      const k = key(s);
      if (k === null) continue;
      const list = groups.get(k) ?? [];
      list.push(s);
      groups.set(k, list);
    }
    return groups;
  };
  const families = groupBy((s) => s.family);
  const providers = groupBy((s) => s.provider);
  const dependentsById = new Map<string, CatalogService[]>();
  for (const s of services) {
    for (const dep of s.dependsOn) {
      const list = dependentsById.get(dep) ?? [];
      list.push(s);
      dependentsById.set(dep, list);
    }
  }

  return {
    version: raw.version,
    source,
    services,
    byId,
    byHashtag,
    get: (id) => byId.get(id),
    family(id) {
      const service = byId.get(id);
      if (!service) return [];
      return service.family === null ? [service] : [...(families.get(service.family) ?? [])];
    },
    familyMembers: (familyName) => [...(families.get(familyName) ?? [])],
    providedBy: (provider) => [...(providers.get(provider) ?? [])],
    dependents: (id) => [...(dependentsById.get(id) ?? [])],
  };
}

const cachedByPath = new Map<string, Catalog>();

/**
 * Reads, validates and indexes a catalog file; the default is the shipped schemas/catalog/services.json.
 * Results are cached per path: every service loads the catalog at start and the file does not
 * change under a running process (a changed catalog is a deploy).
 */
export function loadCatalog(path: string = DEFAULT_CATALOG_PATH): Catalog {
  const cached = cachedByPath.get(path);
  if (cached) return cached;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CatalogError(path, [`cannot read or parse: ${(error as Error).message}`]);
  }
  const catalog = parseCatalog(data, path);
  cachedByPath.set(path, catalog);
  return catalog;
}
