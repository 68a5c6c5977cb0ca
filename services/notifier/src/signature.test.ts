import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeader, verifySignature } from './signature';

const secret = 'whsec_test_secret_0123456789';
const body = '{"eventId":"inc-1:1"}';
const now = 1_700_000_000_000;

describe('webhook signature', () => {
  it('is the hex HMAC-SHA256 of "<t>.<body>" keyed with the secret', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(computeSignature(secret, 1_700_000_000, body)).toBe(expected);
    expect(signatureHeader(secret, body, now)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies what it signs', () => {
    expect(verifySignature(signatureHeader(secret, body, now), body, secret, now)).toEqual({ ok: true, timestampS: 1_700_000_000 });
  });

  it('refuses another body, another secret, a malformed header', () => {
    const h = signatureHeader(secret, body, now);
    expect(verifySignature(h, body + ' ', secret, now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(h, body, 'whsec_other_secret_000000', now)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('v1=abc', body, secret, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(undefined, body, secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses timestamps older than 5 minutes (replays) and far in the future', () => {
    const h = signatureHeader(secret, body, now);
    expect(verifySignature(h, body, secret, now + 299_000).ok).toBe(true);
    expect(verifySignature(h, body, secret, now + 301_000)).toEqual({ ok: false, reason: 'too_old' });
    expect(verifySignature(h, body, secret, now - 301_000)).toEqual({ ok: false, reason: 'in_future' });
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const good = computeSignature(secret, 1_700_000_000, body);
    const h = `t=1700000000,v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifySignature(h, body, secret, now).ok).toBe(true);
  });
});
