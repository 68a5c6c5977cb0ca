/** The dashboard's addresses: parsing a path into a page, and building paths. Pure. */
export type Route =
  | { page: 'board' }
  | { page: 'service'; id: string }
  | { page: 'incident'; id: string }
  | { page: 'trends' }
  | { page: 'not-found'; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { page: 'board' };
  if (path === '/trends') return { page: 'trends' };
  const service = /^\/service\/([^/]+)$/.exec(path);
  if (service) return { page: 'service', id: safeDecode(service[1]!) };
  const incident = /^\/incident\/([^/]+)$/.exec(path);
  if (incident) return { page: 'incident', id: safeDecode(incident[1]!) };
  return { page: 'not-found', path };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const paths = {
  board: () => '/',
  service: (id: string, search = '') => `/service/${encodeURIComponent(id)}${search}`,
  incident: (id: string) => `/incident/${encodeURIComponent(id)}`,
  trends: () => '/trends',
};

