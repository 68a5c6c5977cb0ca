import { describe, expect, it } from 'vitest';
import { parseRoute, paths } from './routes';

describe('routes', () => {
  it('maps paths to pages', () => {
    expect(parseRoute('/')).toEqual({ page: 'board' });
    expect(parseRoute('/trends/')).toEqual({ page: 'trends' });
    expect(parseRoute('/service/facebook')).toEqual({ page: 'service', id: 'facebook' });
    expect(parseRoute('/incident/inc-meta-20211004-1544%3A1')).toEqual({ page: 'incident', id: 'inc-meta-20211004-1544:1' });
    expect(parseRoute('/service/a/b')).toEqual({ page: 'not-found', path: '/service/a/b' });
    expect(parseRoute('/incident/%E0%A4%A')).toEqual({ page: 'incident', id: '%E0%A4%A' });
  });

  it('builds paths that parse back', () => {
    expect(paths.service('vodafone-ie', '?range=6h')).toBe('/service/vodafone-ie?range=6h');
    expect(parseRoute(paths.incident('a:b/c'))).toEqual({ page: 'incident', id: 'a:b/c' });
  });
});
