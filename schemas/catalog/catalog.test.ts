import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CatalogError, catalogSchemaProblems, DEFAULT_CATALOG_PATH, loadCatalog, parseCatalog } from './index';
import { PROBLEM_CATEGORIES, SLUG_PATTERN } from '../events/index';

/** A fresh, mutable copy of the shipped file, for the tests that break it on purpose. */
function shippedCatalogJson(): { version: number; services: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8'));
}

function errorOf(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  throw new Error('expected a CatalogError, nothing was thrown');
}

describe('shipped catalog', () => {
  const catalog = loadCatalog();

  it('has a schema that is itself valid JSON Schema 2020-12', () => {
    expect(catalogSchemaProblems()).toEqual([]);
  });

  it('validates and holds at least 60 services', () => {
    expect(catalog.services.length).toBeGreaterThanOrEqual(60);
  });

  it('is cached per path', () => {
    expect(loadCatalog()).toBe(catalog);
  });

  it('uses event-contract slugs for ids and the contract problem categories', () => {
    const slug = new RegExp(SLUG_PATTERN);
    for (const s of catalog.services) {
      expect(s.id, s.id).toMatch(slug);
      for (const p of s.problems) expect(PROBLEM_CATEGORIES).toContain(p);
    }
  });

  it('refers only to existing ids in dependsOn', () => {
    for (const s of catalog.services) for (const dep of s.dependsOn) expect(catalog.byId.has(dep), `${s.id} -> ${dep}`).toBe(true);
  });

  it('puts facebook, instagram, whatsapp, messenger and workplace in the meta family', () => {
    const meta = catalog.family('facebook').map((s) => s.id);
    expect(meta).toEqual(expect.arrayContaining(['facebook', 'instagram', 'whatsapp', 'messenger', 'workplace']));
    expect(catalog.familyMembers('meta').map((s) => s.id)).toEqual(meta);
    expect(catalog.get('whatsapp')?.provider).toBe('meta');
  });

  it('covers every kind of service the issue names', () => {
    const categories = new Set(catalog.services.map((s) => s.category));
    for (const c of ['social', 'messaging', 'streaming', 'gaming', 'shopping', 'finance', 'cloud', 'telecom']) expect(categories).toContain(c);
    for (const id of ['facebook', 'twitter', 'aws', 'azure', 'google-cloud', 'cloudflare', 'akamai', 'fastly', 'gmail', 'icloud', 'app-store', 'comcast-xfinity', 'vodafone-ie', 'jio', 'telstra']) {
      expect(catalog.byId.has(id), id).toBe(true);
    }
    const countries = new Set(catalog.services.filter((s) => s.category === 'telecom').flatMap((s) => s.countries));
    expect(countries.size).toBeGreaterThanOrEqual(6);
  });

  it('maps the reference outage hashtags to their service', () => {
    expect(catalog.byHashtag.get('facebookdown')?.id).toBe('facebook');
    expect(catalog.byHashtag.get('facebook_down')?.id).toBe('facebook');
    expect(catalog.byHashtag.get('whatsappdown')?.id).toBe('whatsapp');
    expect(catalog.byHashtag.get('instagramdown')?.id).toBe('instagram');
    expect(catalog.byHashtag.get('twitterdown')?.id).toBe('twitter');
  });

  it('keeps risky short words out of the plain aliases', () => {
    for (const word of ['x', 'meta', 'signal', 'steam', 'teams', 'chase', 'sky', 'orange', 'three', 'line']) {
      const plain = catalog.services.filter((s) => s.aliases.includes(word));
      expect(plain.map((s) => s.id), word).toEqual([]);
      expect(catalog.services.some((s) => s.ambiguousAliases.includes(word)), word).toBe(true);
    }
  });

  it('lists Facebook Login users and cloud customers as dependents', () => {
    expect(catalog.dependents('facebook').map((s) => s.id)).toEqual(expect.arrayContaining(['instagram', 'whatsapp', 'messenger', 'tinder']));
    expect(catalog.dependents('aws').length).toBeGreaterThan(10);
    expect(catalog.providedBy('meta').length).toBeGreaterThanOrEqual(5);
  });
});

describe('broken catalogs are refused with the entry named', () => {
  it('refuses a duplicate id', () => {
    const json = shippedCatalogJson();
    json.services.push({ ...json.services[0]!, hashtags: [] });
    const error = errorOf(() => parseCatalog(json, 'dup.json'));
    expect(error.message).toContain('dup.json');
    expect(error.issues.some((m) => m.includes(`(id "facebook").id: duplicate id`))).toBe(true);
  });

  it('refuses an unknown dependsOn id', () => {
    const json = shippedCatalogJson();
    const instagram = json.services.find((s) => s.id === 'instagram')!;
    instagram.dependsOn = ['facebok'];
    const error = errorOf(() => parseCatalog(json));
    expect(error.issues).toContainEqual(expect.stringContaining('(id "instagram").dependsOn[0]: unknown service id "facebok"'));
  });

  it('refuses a dependency cycle', () => {
    const json = shippedCatalogJson();
    json.services.find((s) => s.id === 'facebook')!.dependsOn = ['instagram'];
    const error = errorOf(() => parseCatalog(json));
    expect(error.message).toMatch(/dependency cycle (facebook -> instagram -> facebook|instagram -> facebook -> instagram)/);
  });

  it('refuses a hashtag owned by two services', () => {
    const json = shippedCatalogJson();
    (json.services.find((s) => s.id === 'instagram')!.hashtags as string[]).push('facebookdown');
    expect(errorOf(() => parseCatalog(json)).message).toContain('(id "instagram").hashtags');
  });

  it('refuses a shared alias that countries cannot tell apart', () => {
    const json = shippedCatalogJson();
    (json.services.find((s) => s.id === 'netflix')!.aliases as string[]).push('insta');
    expect(errorOf(() => parseCatalog(json)).message).toContain('"insta" is shared');
  });

  it('names entry and field for schema errors', () => {
    const json = shippedCatalogJson();
    const whatsapp = json.services.find((s) => s.id === 'whatsapp')!;
    whatsapp.problems = ['login', 'crashing'];
    whatsapp.colour = 'green';
    const error = errorOf(() => parseCatalog(json));
    expect(error.issues).toContainEqual(expect.stringMatching(/^services\[\d+\] \(id "whatsapp"\)\.problems\[1\]: /));
    expect(error.issues).toContainEqual(expect.stringMatching(/\(id "whatsapp"\): unknown field "colour"/));
  });

  it('refuses an id that is not a slug', () => {
    const json = shippedCatalogJson();
    json.services[1]!.id = 'Insta Gram';
    expect(errorOf(() => parseCatalog(json)).message).toContain('(id "Insta Gram").id');
  });

  it('says which file could not be read', () => {
    expect(errorOf(() => loadCatalog('/nonexistent/services.json')).message).toContain('/nonexistent/services.json');
  });
});
