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
import { createHash, randomBytes } from 'node:crypto';
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
  return reportEventOf(r.id, r.serviceId, r.problem, r.at, r.reporterId, r.text, r.country, how);
}

/** reportEvent of a decided report given field by field (for a caller that has them apart: no object to build first). */
export function reportEventOf(id: string, serviceId: string, problem: ReportEvent['problem'], at: number, reporterId: string, text: string | undefined, country: string | undefined, how: ReportShaping): ReportEvent {
  const event: ReportEvent = {
    id,
    serviceId,
    problem,
    at,
    receivedAt: how.receivedAt,
    reporterHash: how.hashReporter(reporterId),
    source: how.source,
  };
  if (text !== undefined) event.text = text;
  if (country !== undefined) event.country = country;
  return event;
}

/** SHA-256's round constants and initial state (FIPS 180-4). */
const SHA256_K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const SHA256_IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** One SHA-256 compression of the block in w[0..15] into the state s (w[16..63] become the schedule). */
function sha256Block(s: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + SHA256_K[i]! + w[i]!) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

/**
 * HMAC-SHA256(salt, reporter id), the first 32 hex characters (RFC 2104). The SHA-256 states
 * after the key's inner and outer pad blocks are computed once; a reporter then costs the
 * compressions of its own blocks (one for an id of up to 55 bytes) and one outer compression, in
 * JavaScript. Ingest hashes every report, and for inputs this short node's hashing is mostly the
 * call itself: bench/lib/ingest-parts.ts measured 2.2 µs a report against 3.3 for
 * `createHmac(salt).update(id).digest()` and for two one-shot `crypto.hash` calls over the prepared
 * pads (session 9); `copy()` of node Hash objects of the pad states was slower still. The same
 * digest (report-event.test.ts compares it with createHmac over drawn salts and ids).
 */
export function reporterHasher(salt: string): (reporterId: string) => string {
  const BLOCK = 64;
  let key = Buffer.from(salt, 'utf8');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const w = new Int32Array(64);
  const padState = (fill: number): Int32Array => {
    const pad = Buffer.alloc(BLOCK, fill);
    for (let i = 0; i < key.length; i++) pad[i]! ^= key[i]!;
    for (let i = 0; i < 16; i++) w[i] = pad.readInt32BE(4 * i);
    const s = Int32Array.from(SHA256_IV);
    sha256Block(s, w);
    return s;
  };
  const innerPadState = padState(0x36);
  const outerPadState = padState(0x5c);
  const s = new Int32Array(8);
  const digest = Buffer.alloc(16);
  // The id's UTF-8 and its padding (at most 72 bytes more): grown when an id does not fit.
  const PADDING = 72;
  let bytes = Buffer.alloc(256);
  /** The digest of the inner state in s: the outer hash, then the first 16 bytes as hex. */
  const finish = (): string => {
    // Outer hash: the inner digest after the outer pad block (one block with its padding).
    for (let i = 0; i < 8; i++) w[i] = s[i]!;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = (BLOCK + 32) * 8;
    s.set(outerPadState);
    sha256Block(s, w);
    for (let i = 0; i < 4; i++) {
      const x = s[i]!;
      digest[4 * i] = x >>> 24;
      digest[4 * i + 1] = x >>> 16;
      digest[4 * i + 2] = x >>> 8;
      digest[4 * i + 3] = x;
    }
    return digest.toString('hex');
  };
  return (id) => {
    let n = id.length;
    // An ASCII id of up to 55 bytes (nearly every one) is one block with its padding: its words
    // are made from its characters directly.
    if (n <= 55) {
      w.fill(0, 0, 16);
      let i = 0;
      for (; i < n; i++) {
        const c = id.charCodeAt(i);
        if (c > 0x7f) break;
        w[i >> 2]! |= c << (24 - 8 * (i & 3));
      }
      if (i === n) {
        w[n >> 2]! |= 0x80 << (24 - 8 * (n & 3));
        w[15] = (BLOCK + n) * 8;
        s.set(innerPadState);
        sha256Block(s, w);
        return finish();
      }
    }
    let ascii = n + PADDING <= bytes.length;
    if (ascii)
      for (let i = 0; i < n; i++) {
        const c = id.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        bytes[i] = c;
      }
    if (!ascii) {
      const need = Buffer.byteLength(id, 'utf8') + PADDING;
      if (need > bytes.length) bytes = Buffer.alloc(need * 2);
      n = bytes.write(id, 0, 'utf8');
    }
    // Inner hash: the id after the inner pad block, then 0x80, zeros and the bit length of pad + id.
    const end = ((n + 8) >>> 6) * BLOCK + BLOCK;
    bytes[n] = 0x80;
    bytes.fill(0, n + 1, end - 4);
    const bits = (BLOCK + n) * 8;
    bytes.writeUInt32BE(Math.floor(bits / 0x1_0000_0000), end - 8);
    bytes.writeUInt32BE(bits >>> 0, end - 4);
    s.set(innerPadState);
    for (let at = 0; at < end; at += BLOCK) {
      for (let i = 0; i < 16; i++) {
        const p = at + 4 * i;
        w[i] = (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
      }
      sha256Block(s, w);
    }
    return finish();
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
