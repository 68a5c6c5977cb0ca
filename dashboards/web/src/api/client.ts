/**
 * The read API of services/api (schemas/api/index.ts), all of it in one place: the paths the
 * dashboard calls and a fetch that turns an ErrorResponse into a typed error.
 */
import type { ErrorResponse } from '../../../../schemas/api/index';

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

const seg = (s: string) => encodeURIComponent(s);

export interface RangeParams {
  from?: number;
  to?: number;
}

/** Every route the dashboard reads. */
export const api = {
  /** the board now, or as it stood at `at` */
  services: (q: { at?: number } = {}) => withQuery('/v1/services', { ...q }),
  curve: (serviceId: string, q: RangeParams & { step?: 1 | 5 | 15 }) => withQuery(`/v1/services/${seg(serviceId)}/curve`, { ...q }),
  breakdown: (serviceId: string, q: RangeParams) => withQuery(`/v1/services/${seg(serviceId)}/breakdown`, { ...q }),
  posts: (serviceId: string, q: RangeParams & { limit?: number }) => withQuery(`/v1/services/${seg(serviceId)}/posts`, { ...q }),
  hashtags: (serviceId: string, q: RangeParams) => withQuery(`/v1/services/${seg(serviceId)}/hashtags`, { ...q }),
  incidents: (q: RangeParams & { serviceId?: string; status?: 'open' | 'resolved'; limit?: number; at?: number }) => withQuery('/v1/incidents', { ...q }),
  incident: (incidentId: string) => `/v1/incidents/${seg(incidentId)}`,
  /** what the service's status page published (services/sources), and its probes from this host */
  official: (serviceId: string, q: RangeParams) => withQuery(`/v1/services/${seg(serviceId)}/official`, { ...q }),
  probes: (serviceId: string, q: RangeParams) => withQuery(`/v1/services/${seg(serviceId)}/probes`, { ...q }),
  acknowledgement: (incidentId: string) => `/v1/incidents/${seg(incidentId)}/acknowledgement`,
  trends: (q: RangeParams & { limit?: number }) => withQuery('/v1/trends', { ...q }),
  stream: () => '/v1/stream',
} as const;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

function isErrorResponse(v: unknown): v is ErrorResponse {
  return typeof v === 'object' && v !== null && typeof (v as ErrorResponse).message === 'string' && typeof (v as ErrorResponse).code === 'string';
}

export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ?? null, headers: { accept: 'application/json' } });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', 'The API cannot be reached. Is services/api running?');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    if (isErrorResponse(body)) throw new ApiError(res.status, body.code, body.message, body.field);
    throw new ApiError(res.status, `HTTP_${res.status}`, `The API answered ${res.status} ${res.statusText}`.trim());
  }
  if (body === null) throw new ApiError(res.status, 'BAD_BODY', 'The API answered with something that is not JSON');
  return body as T;
}
