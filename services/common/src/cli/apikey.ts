/**
 * `npm run apikey -- [name]`: makes a new API key, stores only its SHA-256 under .data/api-keys
 * (mode 600) and prints the key once. Services read that file at start.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dataDir, hashApiKey, newApiKey } from '../index';

const name = (process.argv[2] ?? 'default').replace(/[^A-Za-z0-9_-]/g, '');
const key = newApiKey();
mkdirSync(dataDir, { recursive: true });
const file = process.env.DOWNRADAR_API_KEYS_FILE ?? `${dataDir}/api-keys`;
appendFileSync(file, `${name}:${hashApiKey(key)}\n`, { mode: 0o600 });
console.error(`apikey: stored the hash of a new key "${name}" in ${file}; the key (shown once):`);
console.log(key);
