import { describe, expect, it } from 'vitest';
import { loadCatalog } from './index';
import { loadSourceCatalog, parseSourceCatalog } from './sources';

const catalog = loadCatalog();

describe('source catalog', () => {
  it('gives every catalog service its domains, and the status pages listed', () => {
    const sources = loadSourceCatalog(catalog);
    expect(sources.entries.length).toBe(catalog.services.length);
    expect(sources.get('facebook')?.domains).toContain('facebook.com');
    expect(sources.get('github')?.status).toEqual({ serviceId: 'github', kind: 'statuspage', url: 'https://www.githubstatus.com' });
    expect(sources.get('facebook')?.status).toBeUndefined();
    const kinds = new Set(sources.statusSources().map((s) => s.kind));
    expect([...kinds].sort()).toEqual(['atom', 'rss', 'statuspage']);
  });

  it('refuses an id the catalog does not have, naming it', () => {
    expect(() => parseSourceCatalog({ version: 1, services: { 'no-such-service': { domains: ['example.com'] } } }, catalog)).toThrow(/no-such-service.*not a service/);
  });

  it('refuses a domain that is not a host name and a status kind it cannot read', () => {
    expect(() => parseSourceCatalog({ version: 1, services: { github: { domains: ['https://github.com/'] } } }, catalog)).toThrow(/domains/);
    expect(() => parseSourceCatalog({ version: 1, services: { github: { domains: [], status: { kind: 'html', url: 'https://x.test' } } } }, catalog)).toThrow(/kind|allowed/);
  });
});
