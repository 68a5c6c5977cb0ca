import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (the scheme Stripe made familiar):
 *
 *   x-downradar-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>
 *
 * The timestamp is inside the signed text, so a receiver that refuses old timestamps refuses
 * replays of a captured request. Each attempt is signed afresh: a retry minutes later still
 * carries a current timestamp.
 */
export const SIGNATURE_HEADER = 'x-downradar-signature';
export const EVENT_ID_HEADER = 'x-downradar-event-id';
export const ATTEMPT_HEADER = 'x-downradar-delivery-attempt';
export const SUBSCRIPTION_HEADER = 'x-downradar-subscription-id';

/** How old a signed timestamp a receiver should accept (docs/alerts.md tells receivers 5 minutes). */
export const DEFAULT_TOLERANCE_S = 300;

export function computeSignature(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secret: string, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${computeSignature(secret, t, body)}`;
}

export type SignatureCheck = { ok: true; timestampS: number } | { ok: false; reason: 'malformed' | 'too_old' | 'in_future' | 'mismatch' };

/**
 * What a receiver does (and what the tests do): parse the header, refuse timestamps outside the
 * tolerance, compare in constant time. Several v1= entries are accepted (secret rotation).
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowMs = Date.now(),
  toleranceS = DEFAULT_TOLERANCE_S,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed' };
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === undefined || sigs.length === 0) return { ok: false, reason: 'malformed' };
  const nowS = Math.floor(nowMs / 1000);
  if (nowS - t > toleranceS) return { ok: false, reason: 'too_old' };
  if (t - nowS > toleranceS) return { ok: false, reason: 'in_future' };
  const expected = Buffer.from(computeSignature(secret, t, body), 'hex');
  for (const s of sigs) if (timingSafeEqual(expected, Buffer.from(s, 'hex'))) return { ok: true, timestampS: t };
  return { ok: false, reason: 'mismatch' };
}
