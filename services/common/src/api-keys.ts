import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/**
 * API keys are stored only as SHA-256 hashes: in DOWNRADAR_API_KEY_HASHES (comma separated)
 * and/or a file (DOWNRADAR_API_KEYS_FILE, default .data/api-keys) with one `name:hash` or
 * `hash` per line. A request presents the key in the `x-api-key` header (or Bearer token).
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function newApiKey(): string {
  return 'drk_' + randomBytes(24).toString('base64url');
}

export interface ApiKeyStore {
  /** The key's name when it is valid, otherwise undefined. */
  check(presented: string | undefined): string | undefined;
  readonly size: number;
}

export function loadApiKeys(opts: { hashes?: string[]; file?: string } = {}): ApiKeyStore {
  const entries: { name: string; hash: Buffer }[] = [];
  for (const h of opts.hashes ?? []) addEntry(entries, h, 'env');
  if (opts.file && existsSync(opts.file)) {
    for (const line of readFileSync(opts.file, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const [name, hash] = t.includes(':') ? (t.split(':', 2) as [string, string]) : ['file', t];
      addEntry(entries, hash, name);
    }
  }
  return {
    size: entries.length,
    check(presented) {
      if (!presented || presented.length > 200) return undefined;
      const h = Buffer.from(hashApiKey(presented), 'hex');
      for (const e of entries) if (timingSafeEqual(e.hash, h)) return e.name;
      return undefined;
    },
  };
}

function addEntry(entries: { name: string; hash: Buffer }[], hex: string, name: string): void {
  const h = hex.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`API key hash for "${name}" is not 64 hex characters (store the SHA-256 of the key, not the key)`);
  entries.push({ name, hash: Buffer.from(h, 'hex') });
}

/** The key from `x-api-key` or `authorization: Bearer ...`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const x = headers['x-api-key'];
  if (typeof x === 'string') return x;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  return undefined;
}
