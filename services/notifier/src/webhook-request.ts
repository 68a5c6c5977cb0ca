import type { IncidentEvent } from '../../../schemas/events/index';
import { parseRetryAfter } from './backoff';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, SUBSCRIPTION_HEADER, signatureHeader } from './signature';
import { slackBody } from './slack';
import type { Subscription } from './subscription';

/** The outcome of one HTTP attempt, decided without throwing. */
export type AttemptOutcome =
  | { ok: true; status: number }
  | { ok: false; retriable: boolean; code: string; reason: string; status?: number; retryAfterMs?: number };

/** The body a subscription receives for an event: the alert message itself, or a Slack body. */
export function webhookBody(sub: Pick<Subscription, 'format'>, event: IncidentEvent, nameOf?: (id: string) => string): string {
  return sub.format === 'slack' ? JSON.stringify(slackBody(event, nameOf)) : JSON.stringify(event);
}

export function webhookHeaders(opts: { secret: string; body: string; eventId: string; subscriptionId: string; attempt: number; eventType: string; now?: number }): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'downradar-notifier/0.1',
    [SIGNATURE_HEADER]: signatureHeader(opts.secret, opts.body, opts.now),
    [EVENT_ID_HEADER]: opts.eventId,
    [ATTEMPT_HEADER]: String(opts.attempt),
    [SUBSCRIPTION_HEADER]: opts.subscriptionId,
    'x-downradar-event-type': opts.eventType,
  };
}

/**
 * Which answers are worth another try: network errors, timeouts, 5xx, 429 and 408. Any other
 * 4xx means the receiver refuses this request as it is (wrong URL, bad signature, gone), and
 * sending it again unchanged cannot help: it is dead-lettered at once. 3xx is not followed (a
 * redirect would carry the signed body to a host the subscriber did not name).
 */
export function classifyStatus(status: number, retryAfter: string | null, now = Date.now()): AttemptOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  if (status === 429 || status === 408 || status >= 500)
    return { ok: false, retriable: true, code: `HTTP_${status}`, reason: `receiver answered ${status}`, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  return { ok: false, retriable: false, code: `HTTP_${status}`, reason: `receiver answered ${status}${status < 400 ? ' (redirects are not followed)' : ''}`, status };
}

/** One POST with a hard timeout. Never throws: network failures become retriable outcomes. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal });
    // Drain (a little of) the body so the connection can be reused; its content does not matter.
    await res.body?.cancel().catch(() => undefined);
    return classifyStatus(res.status, res.headers.get('retry-after'));
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || signal.aborted) return { ok: false, retriable: true, code: 'TIMEOUT', reason: `no answer within ${timeoutMs} ms` };
    const code = e.cause?.code ?? 'NETWORK';
    return { ok: false, retriable: true, code: code.replace(/[^A-Z0-9_]/gi, '_').toUpperCase(), reason: `network error: ${e.cause?.message ?? e.message ?? String(err)}` };
  }
}
