import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { IncidentEvent } from '../../../schemas/events/index';
import { pinnedLookup, type DestinationGuard } from './destination-guard';
import { parseRetryAfter } from './backoff';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, SUBSCRIPTION_HEADER, signatureHeader } from './signature';
import { slackBody } from './slack';
import type { Subscription } from './subscription';

/** The outcome of one HTTP attempt, decided without throwing. */
export type AttemptOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      retriable: boolean;
      code: string;
      reason: string;
      status?: number;
      retryAfterMs?: number;
      /** Set when the notifier itself refused the destination (destination.ts), naming the rule. */
      refusedBy?: 'notifier';
      rule?: string;
    };

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

/**
 * One POST with a hard timeout (resolution, connection and the answer's headers). Never throws:
 * network failures become retriable outcomes. The destination is checked first, at this very
 * moment (guard: every address the host resolves to), and the connection goes only to the
 * addresses that passed; a refused destination is final (not retried) and names its rule.
 * Redirects are never followed (http.request does not), so a 3xx cannot lead elsewhere either.
 */
export async function postWebhook(url: string, body: string, headers: Record<string, string>, timeoutMs: number, guard: DestinationGuard): Promise<AttemptOutcome> {
  const started = Date.now();
  const verdict = await guard.check(url, timeoutMs);
  if (!verdict.ok) {
    if (verdict.refused) return { ok: false, retriable: false, code: 'DESTINATION_REFUSED', reason: verdict.reason, refusedBy: 'notifier', rule: verdict.rule };
    return { ok: false, retriable: true, code: verdict.code, reason: `network error: ${verdict.reason}` };
  }
  const left = Math.max(1, timeoutMs - (Date.now() - started));
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const done = (o: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // Only the checked addresses, and a connection of its own (a pooled one could predate the check).
        lookup: pinnedLookup(verdict.addresses),
        agent: false,
      },
      (res) => {
        // Drain the body; its content does not matter.
        res.resume();
        const retryAfter = res.headers['retry-after'];
        done(classifyStatus(res.statusCode ?? 0, typeof retryAfter === 'string' ? retryAfter : null));
      },
    );
    const timer = setTimeout(() => {
      done({ ok: false, retriable: true, code: 'TIMEOUT', reason: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, left);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = (err.code ?? 'NETWORK').replace(/[^A-Z0-9_]/gi, '_').toUpperCase();
      done({ ok: false, retriable: true, code, reason: `network error: ${err.message}` });
    });
    req.end(body);
  });
}
