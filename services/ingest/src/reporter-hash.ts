import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Reporter ids are hashed with a secret salt before they are stored anywhere: the detector
 * only needs "same reporter or not", and nobody reading Kafka or ClickHouse can recover the id.
 */
export function reporterHasher(salt: string): (reporterId: string) => string {
  return (id) => createHmac('sha256', salt).update(id, 'utf8').digest('hex').slice(0, 32);
}

/** The salt from config, or one generated once and kept (mode 600) under .data/. */
export function loadOrCreateSalt(configured: string | undefined, file: string): string {
  if (configured) return configured;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const salt = randomBytes(32).toString('hex');
  writeFileSync(file, salt + '\n', { mode: 0o600 });
  return salt;
}
