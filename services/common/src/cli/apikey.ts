/**
 * `npm run apikey -- <name> --scope feed|subscriptions`: makes a new API key, stores only its
 * SHA-256 and scope under .data/api-keys (mode 600, `name:hash:scope`) and prints the key once.
 * Services read that file at start.
 *   feed           POST /v1/posts, /v1/posts/batch, /v1/reports/batch (ingest)
 *   subscriptions  /v1/subscriptions (notifier)
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, apiKeyFileLine, dataDir, isApiKeyScope, newApiKey } from '../index';

const USAGE = `usage: npm run apikey -- <name> --scope ${API_KEY_SCOPES.join('|')}`;

function fail(message: string): never {
  console.error(`apikey: ${message}\n${USAGE}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseArgs<{ options: { scope: { type: 'string' } }; allowPositionals: true }>>;
try {
  parsed = parseArgs({ options: { scope: { type: 'string' } }, allowPositionals: true, strict: true });
} catch (err) {
  fail((err as Error).message);
}
const [rawName, ...extra] = parsed.positionals;
if (extra.length > 0) fail(`one name only (got ${parsed.positionals.length})`);
const name = (rawName ?? '').replace(/[^A-Za-z0-9_-]/g, '');
if (!name) fail('a name is required (letters, digits, - and _)');
const scope = parsed.values.scope;
if (scope === undefined) fail('--scope is required: a key either posts reports and posts (feed) or manages webhook subscriptions (subscriptions)');
if (!isApiKeyScope(scope)) fail(`unknown scope "${scope}"`);

const key = newApiKey();
mkdirSync(dataDir, { recursive: true });
const file = process.env.DOWNRADAR_API_KEYS_FILE ?? `${dataDir}/api-keys`;
appendFileSync(file, apiKeyFileLine(name, key, scope), { mode: 0o600 });
console.error(`apikey: stored the hash of a new ${scope} key "${name}" in ${file}; the key (shown once):`);
console.log(key);
