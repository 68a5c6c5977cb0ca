/**
 * The ingest API as a replay target: each batch is one NDJSON request to POST /v1/events/batch
 * (lines `{"report": ...}` and `{"post": ...}` in emission order, which ingest stores in line
 * order) with the API key in `x-api-key` and `x-downradar-replay: 1` (ingest accepts
 * event times older than seven days only from replays). 503 and 429 are retried with backoff,
 * honouring Retry-After; network errors are retried the same way; any other refusal stops the
 * replay with the receiver's message.
 */
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

export function createHttpTarget(opts: HttpTargetOptions): ReplayTarget {
  const base = opts.ingestUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
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
    let body = '';
    for (const l of lines) body += JSON.stringify(l) + '\n';
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let reason: string;
      let wait: number | undefined;
      try {
        stats.requests++;
        const res = await doFetch(base + path, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        const text = await res.text();
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
        wait = retryAfterMs(res.headers.get('retry-after'));
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
    async close() {},
  };
}
