import { describe, expect, it } from 'vitest';
import { loadCatalogLookup } from './catalog-lookup';

describe('catalog lookup', () => {
  it('reads families and names from the shipped catalog', () => {
    const c = loadCatalogLookup();
    expect(c.familyOf('whatsapp')).toBe('meta');
    expect(c.nameOf('whatsapp')).toBe('WhatsApp');
    expect(c.familyOf('no-such-service')).toBeUndefined();
    expect(c.nameOf('no-such-service')).toBe('no-such-service');
  });
});
