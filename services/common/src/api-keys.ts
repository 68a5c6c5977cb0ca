import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from './logger';

/**
 * API keys are stored only as SHA-256 hashes: in DOWNRADAR_API_KEY_HASHES (comma separated) and/or
 * a file (DOWNRADAR_API_KEYS_FILE, default .data/api-keys). A request presents the key in the
 * `x-api-key` header (or as a Bearer token).
 *
 * Each key has one scope, and an endpoint names the scope it needs:
 *   feed           posting reports and posts (ingest's batch and post endpoints)
 *   subscriptions  managing webhook subscriptions (the notifier's API)
 * so a feed's key that leaks cannot point webhooks anywhere, and a subscriptions key cannot post.
 *
 * Formats: a file line is `name:hash:scope`; an environment entry is `hash:scope`. Lines written
 * before scopes existed (`name:hash`, `hash`) keep working: such a key has every scope, as it
 * had then (UNSCOPED_KEY_SCOPES), and `unscoped` names them so that services can warn about them.
 */
export const API_KEY_SCOPES = ['feed', 'subscriptions'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
/** What a key stored without a scope may do: everything, as before scopes existed. */
export const UNSCOPED_KEY_SCOPES: readonly ApiKeyScope[] = API_KEY_SCOPES;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function newApiKey(): string {
  return 'drk_' + randomBytes(24).toString('base64url');
}

export const isApiKeyScope = (s: string): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s);

/** The outcome of presenting a key to an endpoint that needs `scope`. */
export type ApiKeyCheck =
  | { ok: true; name: string }
  /** No key, or not one of ours: 401. */
  | { ok: false; status: 401; message: string }
  /** A valid key without the scope the endpoint needs: 403. */
  | { ok: false; status: 403; name: string; message: string };

export interface ApiKeyStore {
  authorize(presented: string | undefined, scope: ApiKeyScope): ApiKeyCheck;
  readonly size: number;
  /** Names of the keys stored without a scope (they have every scope). */
  readonly unscoped: string[];
}

interface Entry {
  name: string;
  hash: Buffer;
  scopes: readonly ApiKeyScope[];
  scoped: boolean;
}

export function loadApiKeys(opts: { hashes?: string[]; file?: string } = {}): ApiKeyStore {
  const entries: Entry[] = [];
  for (const h of opts.hashes ?? []) {
    const [hash = '', scope, ...rest] = h.trim().split(':');
    if (rest.length > 0) throw new Error(`API key entry "${h.slice(0, 12)}...": expected hash or hash:scope`);
    entries.push(entry('env', hash, scope, 'DOWNRADAR_API_KEY_HASHES'));
  }
  if (opts.file && existsSync(opts.file)) {
    readFileSync(opts.file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const t = line.trim();
        if (!t || t.startsWith('#')) return;
        const parts = t.split(':');
        const where = `${opts.file}:${i + 1}`;
        if (parts.length === 1) entries.push(entry('file', parts[0]!, undefined, where));
        else if (parts.length === 2 || parts.length === 3) entries.push(entry(parts[0]!, parts[1]!, parts[2], where));
        else throw new Error(`${where}: expected name:hash:scope`);
      });
  }
  const unauthorized = { ok: false, status: 401, message: 'a valid API key is required in the x-api-key header' } as const;
  return {
    size: entries.length,
    unscoped: entries.filter((e) => !e.scoped).map((e) => e.name),
    authorize(presented, scope) {
      if (!presented || presented.length > 200) return unauthorized;
      const h = Buffer.from(hashApiKey(presented), 'hex');
      let found: Entry | undefined;
      for (const e of entries) if (timingSafeEqual(e.hash, h)) found ??= e;
      if (!found) return unauthorized;
      if (!found.scopes.includes(scope))
        return { ok: false, status: 403, name: found.name, message: `this API key has the scope ${found.scopes.join(', ')}; this endpoint needs a key with the scope ${scope}` };
      return { ok: true, name: found.name };
    },
  };
}

function entry(name: string, hex: string, scope: string | undefined, where: string): Entry {
  const h = hex.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`${where}: the API key hash for "${name}" is not 64 hex characters (store the SHA-256 of the key, not the key)`);
  if (scope === undefined || scope.trim() === '') return { name, hash: Buffer.from(h, 'hex'), scopes: UNSCOPED_KEY_SCOPES, scoped: false };
  const s = scope.trim();
  if (!isApiKeyScope(s)) throw new Error(`${where}: unknown API key scope "${s}" for "${name}" (one of ${API_KEY_SCOPES.join(', ')})`);
  return { name, hash: Buffer.from(h, 'hex'), scopes: [s], scoped: true };
}

/** The key from `x-api-key` or `authorization: Bearer ...`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string') return x;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  return undefined;
}

/** Said once at start by each service that checks keys: the old keys still work, with every scope. */
export function warnUnscopedKeys(store: ApiKeyStore, logger: Logger): void {
  if (store.unscoped.length === 0) return;
  logger.warn(
    { keyNames: [...new Set(store.unscoped)] },
    'API keys stored without a scope may both post and manage subscriptions; replace them with scoped keys (npm run apikey -- <name> --scope feed|subscriptions)',
  );
}

/** One line of the keys file for a new key. */
export function apiKeyFileLine(name: string, key: string, scope: ApiKeyScope): string {
  return `${name}:${hashApiKey(key)}:${scope}\n`;
}
