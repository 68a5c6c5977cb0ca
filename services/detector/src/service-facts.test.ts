import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { hashtagLookup, serviceInfoLookup } from './service-facts';

const catalog = loadCatalog();

describe('service facts from the catalog', () => {
  it('service info is the catalog entry (family, provider, prior)', () => {
    const fb = serviceInfoLookup(catalog)('facebook');
    expect(fb).toMatchObject({ id: 'facebook', family: 'meta' });
    expect(fb?.baselinePerMinute).toBeGreaterThan(0);
    expect(serviceInfoLookup(catalog)('no-such-service')).toBeUndefined();
  });

  it('hashtags: catalog ones, derived down-hashtags, names, and unknown ones', () => {
    const lookup = hashtagLookup(catalog);
    expect(lookup('facebookdown')).toEqual({ serviceId: 'facebook', outage: true });
    expect(lookup('whatsappcaido')).toEqual({ serviceId: 'whatsapp', outage: true });
    expect(lookup('instagram')).toEqual({ serviceId: 'instagram', outage: false });
    expect(lookup('deletefacebook')).toEqual({ serviceId: 'facebook', outage: false });
    expect(lookup('mondaymotivation')).toBeUndefined();
  });
});
