/**
 * The ingest API as a replay target: each batch is one NDJSON request to POST /v1/events/batch
 * (lines `{"report": ...}` and `{"post": ...}` in emission order, which ingest stores in line
 * order) with the API key in `x-api-key` and `x-downradar-replay: 1` (ingest accepts
 * event times older than seven days only from replays). 503 and 429 are retried with backoff,
 * honouring Retry-After; network errors are retried the same way; any other refusal stops the
 * replay with the receiver's message.
 *
 * Requests go through node's http (or https) client on keep-alive connections, the body as one
 * Buffer. The replay is the load generator of bench:e2e, on the same two cores as the pipeline it
 * drives, and `fetch` (undici) cost about twice as much CPU a request for the same bytes: its
 * WHATWG body handling scans and copies each ~140 KB body again (toUSVString, web streams).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ReplayTargetError, type ReplayEvent, type ReplayTarget } from './target';

export interface HttpTargetOptions {
  ingestUrl: string;
  apiKey?: string;
  /** attempts per batch before giving up (default 12) */
  maxAttempts?: number;
  /** first backoff, doubled per attempt up to maxDelayMs (defaults 250 ms, 15 s) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** per request (default 60 s) */
  timeoutMs?: number;
  /** sends each request with this instead of node's http client (a test's stand-in) */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { path: string; attempt: number; status?: number; delayMs: number; reason: string }) => void;
}

/** Retry-After is seconds or an HTTP date; returns ms or undefined. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

interface BatchAnswer {
  accepted?: number;
  duplicates?: number;
  rejected?: number;
  rejections?: { line: number; code: string; field: string; reason: string }[];
}

/** What the target needs of an answer: its status, one header and its body as text. */
interface Answer {
  status: number;
  ok: boolean;
  header(name: string): string | null;
  text: string;
}

type Send = (url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number) => Promise<Answer>;

/** A sender over `fetch` (HttpTargetOptions.fetch). */
function fetchSender(doFetch: typeof fetch): Send {
  return async (url, headers, body, timeoutMs) => {
    const res = await doFetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { status: res.status, ok: res.ok, header: (name) => res.headers.get(name), text };
  };
}

/**
 * A sender over node's http/https client with keep-alive connections (as many as requests in
 * flight). A network error or a timeout rejects, as fetch's does, and is retried by the caller.
 */
function nodeSender(base: string): { send: Send; close(): void } {
  const https = base.startsWith('https:');
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const request = https ? httpsRequest : httpRequest;
  const send: Send = (url, headers, body, timeoutMs) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({
            status,
            ok: status >= 200 && status < 300,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

export function createHttpTarget(opts: HttpTargetOptions): ReplayTarget {
  const base = opts.ingestUrl.replace(/\/+$/, '');
  const node = opts.fetch ? undefined : nodeSender(base);
  const send = opts.fetch ? fetchSender(opts.fetch) : node!.send;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = opts.maxAttempts ?? 12;
  const baseDelay = opts.baseDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 15_000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const stats = { requests: 0, retries: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const notes: string[] = [];
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', 'x-downradar-replay': '1' };
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;

  async function post(path: string, lines: unknown[]): Promise<void> {
    if (lines.length === 0) return;
    let text = '';
    for (const l of lines) text += JSON.stringify(l) + '\n';
    const body = Buffer.from(text, 'utf8');
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let reason: string;
      let wait: number | undefined;
      try {
        stats.requests++;
        const res = await send(base + path, headers, body, timeoutMs);
        status = res.status;
        const text = res.text;
        if (res.ok) {
          let answer: BatchAnswer = {};
          try {
            answer = JSON.parse(text) as BatchAnswer;
          } catch {
            // a 2xx without a JSON body still means stored
          }
          stats.accepted += answer.accepted ?? lines.length;
          stats.duplicates += answer.duplicates ?? 0;
          stats.rejected += answer.rejected ?? 0;
          for (const r of answer.rejections ?? []) {
            if (notes.length >= 5) break;
            notes.push(`${path} rejected a line: ${r.code} ${r.field}: ${r.reason}`);
          }
          return;
        }
        reason = `${status} ${text.slice(0, 300)}`;
        if (status !== 503 && status !== 429)
          throw new ReplayTargetError(`ingest refused ${path}: ${reason}${status === 401 ? ' (pass --api-key or DOWNRADAR_API_KEY)' : ''}`, false, status);
        wait = retryAfterMs(res.header('retry-after'));
      } catch (err) {
        if (err instanceof ReplayTargetError) throw err;
        reason = `${(err as Error).name}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`;
      }
      if (attempt >= maxAttempts)
        throw new ReplayTargetError(`ingest ${path} failed ${attempt} times, last: ${reason}`, true, status);
      const backoff = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
      const delayMs = wait !== undefined ? Math.min(Math.max(wait, baseDelay), 5 * maxDelay) : backoff;
      stats.retries++;
      opts.onRetry?.({ path, attempt, ...(status !== undefined ? { status } : {}), delayMs, reason });
      await sleep(delayMs);
    }
  }

  return {
    name: 'http',
    stats,
    notes,
    // Not `ordered`: batches in flight at once may reach Kafka in either order (ingest answers
    // them concurrently, maybe from several processes, and a 503 is retried later), so runReplay
    // keeps what is in flight within maxDisorderMs of event time.
    async send(events: readonly ReplayEvent[]) {
      await post(
        '/v1/events/batch',
        events.map((e) => (e.kind === 'report' ? { report: e.report } : { post: e.post })),
      );
    },
    async close() {
      node?.close();
    },
  };
}
