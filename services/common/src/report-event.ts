/**
 * How a problem report becomes the ReportEvent on downradar.reports, for every path that writes
 * one: ingest (the report button and the API), the replay's Kafka target, and the evaluation,
 * which replays reports straight into the detector. One function, so the three cannot drift.
 *
 * Reporter ids are hashed with a secret salt before they are stored anywhere: the detector only
 * needs "same reporter or not", and nobody reading Kafka or ClickHouse can recover the id. Ingest
 * and the replay use the same salt (the same variable, the same file), so both paths hash a
 * reporter the same way.
 */
import { createHash, hash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReportEvent, ReportInput } from '../../../schemas/events/index';
import { dataDir } from './lifecycle';

/** A report whose id and event time are decided: a checked ReportInput, or a replayed report. */
export type DecidedReport = ReportInput & { id: string; at: number };

export interface ReportShaping {
  /** When it reached the system. */
  receivedAt: number;
  /** Where it came from: `web` (the button), `api`, `replay`. */
  source: string;
  hashReporter(reporterId: string): string;
}

export function reportEvent(r: DecidedReport, how: ReportShaping): ReportEvent {
  const event: ReportEvent = {
    id: r.id,
    serviceId: r.serviceId,
    problem: r.problem,
    at: r.at,
    receivedAt: how.receivedAt,
    reporterHash: how.hashReporter(r.reporterId),
    source: how.source,
  };
  if (r.text !== undefined) event.text = r.text;
  if (r.country !== undefined) event.country = r.country;
  return event;
}

/**
 * HMAC-SHA256(salt, reporter id), the first 32 hex characters. Written out (RFC 2104: the key's
 * inner and outer pads prepared once, two one-shot `hash` calls a reporter) instead of
 * `createHmac(salt).update(id).digest()`, whose stream object a report cost 2.5-3.2 µs of CPU
 * against 2.2 here (ingest hashes every report). The same digest (report-event.test.ts compares).
 */
export function reporterHasher(salt: string): (reporterId: string) => string {
  const BLOCK = 64;
  let key = Buffer.from(salt, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const opad = Buffer.alloc(BLOCK + 32, 0);
  opad.fill(0x5c, 0, BLOCK);
  for (let i = 0; i < key.length; i++) {
    ipad[i]! ^= key[i]!;
    opad[i]! ^= key[i]!;
  }
  // The inner pad followed by the id: grown when an id does not fit.
  let inner = Buffer.alloc(BLOCK + 256);
  ipad.copy(inner);
  return (id) => {
    const need = BLOCK + Buffer.byteLength(id, 'utf8');
    if (need > inner.length) {
      inner = Buffer.alloc(need * 2);
      ipad.copy(inner);
    }
    const n = inner.write(id, BLOCK, 'utf8');
    hash('sha256', inner.subarray(0, BLOCK + n), 'buffer').copy(opad, BLOCK);
    return hash('sha256', opad, 'hex').slice(0, 32);
  };
}

/** The salt from configuration (DOWNRADAR_REPORTER_SALT), or one generated once and kept (mode 600) in `file`. */
export function reporterSalt(configured: string | undefined, file = join(dataDir, 'reporter-salt')): string {
  if (configured) return configured;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const salt = randomBytes(32).toString('hex');
  writeFileSync(file, salt + '\n', { mode: 0o600 });
  return salt;
}
