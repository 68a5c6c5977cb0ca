import { describe, expect, it } from 'vitest';
import { compileValidator } from '@downradar/common';
import { DlqRecord } from '../../../schemas/events/index';
import { deadLetterRecord } from './delivery-engine';
import { verifySignature } from './signature';
import { incidentEvent, subscription } from './test-fixtures';
import { classifyStatus, webhookBody, webhookHeaders } from './webhook-request';

describe('webhook request', () => {
  it('retries 5xx, 429 and 408, honouring Retry-After; refuses other 4xx and 3xx', () => {
    expect(classifyStatus(200, null)).toEqual({ ok: true, status: 200 });
    expect(classifyStatus(204, null).ok).toBe(true);
    expect(classifyStatus(503, null)).toMatchObject({ ok: false, retriable: true, code: 'HTTP_503' });
    expect(classifyStatus(429, '3')).toMatchObject({ ok: false, retriable: true, code: 'HTTP_429', retryAfterMs: 3000 });
    expect(classifyStatus(408, null)).toMatchObject({ retriable: true });
    expect(classifyStatus(404, null)).toMatchObject({ ok: false, retriable: false, code: 'HTTP_404' });
    expect(classifyStatus(401, null)).toMatchObject({ retriable: false });
    expect(classifyStatus(301, null)).toMatchObject({ retriable: false, reason: expect.stringContaining('redirects are not followed') });
  });

  it('json body is the alert message itself; slack body is {text, blocks}', () => {
    const ev = incidentEvent();
    expect(JSON.parse(webhookBody({ format: 'json' }, ev))).toEqual(ev);
    expect(JSON.parse(webhookBody({}, ev))).toEqual(ev);
    expect(Object.keys(JSON.parse(webhookBody({ format: 'slack' }, ev)))).toEqual(['text', 'blocks']);
  });

  it('headers carry a verifiable signature, the event id and the attempt', () => {
    const body = webhookBody({}, incidentEvent());
    const h = webhookHeaders({ secret: 'whsec_0123456789abcdef', body, eventId: 'inc-20211004-meta:1', subscriptionId: 'sub_x', attempt: 3, eventType: 'opened', now: 1_700_000_000_000 });
    expect(h['x-downradar-event-id']).toBe('inc-20211004-meta:1');
    expect(h['x-downradar-delivery-attempt']).toBe('3');
    expect(verifySignature(h['x-downradar-signature'], body, 'whsec_0123456789abcdef', 1_700_000_000_000).ok).toBe(true);
  });

  it('dead-letter records follow the DlqRecord contract and leave the URL path out', () => {
    const check = compileValidator(DlqRecord);
    const sub = subscription({ url: 'https://hooks.slack.com/services/T000/B000/SECRETPATH' });
    const r = deadLetterRecord({ subscriptionId: sub.id, event: incidentEvent(), attempts: 4 }, sub, 'HTTP_503', 'gave up', 123);
    expect(check(r)).toEqual({ ok: true, value: r });
    expect(r).toMatchObject({ id: 'sub_testtesttest:inc-20211004-meta:1', code: 'WEBHOOK_HTTP_503', origin: 'notifier webhook sub_testtesttest https://hooks.slack.com' });
    expect(JSON.stringify(r)).not.toContain('SECRETPATH');
    const long = deadLetterRecord({ subscriptionId: sub.id, event: incidentEvent({ incidentId: 'i'.repeat(120) }), attempts: 1 }, sub, 'econnrefused', 'x', 1);
    expect(check(long).ok).toBe(true);
    expect(long.code).toBe('WEBHOOK_ECONNREFUSED');
  });
});
