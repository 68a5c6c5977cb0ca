import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

/**
 * A generic firehose adapter: NDJSON posts from stdin, a file or an HTTP chunked stream, into
 * the ingest API's batch endpoint, with backpressure (the source is read only as fast as
 * ingest acknowledges) and retries on 429/503. A live social source is a thin addition: anything
 * that yields NDJSON lines.
 */
export interface FirehoseOptions {
  source: string; // '-' for stdin, a file path, or an http(s) URL
  ingestUrl: string;
  apiKey: string;
  kind?: 'posts' | 'reports';
  batchLines?: number;
  maxWaitMs?: number;
  onProgress?(p: FirehoseProgress): void;
  signal?: AbortSignal;
}

export interface FirehoseProgress {
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  retries: number;
  elapsedMs: number;
}

export async function openSource(source: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
  if (source === '-') return process.stdin;
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, signal ? { signal } : {});
    if (!res.ok || !res.body) throw new Error(`firehose source ${source} answered ${res.status}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  }
  return createReadStream(source);
}

export async function runFirehose(opts: FirehoseOptions): Promise<FirehoseProgress> {
  const kind = opts.kind ?? 'posts';
  const batchLines = opts.batchLines ?? 2000;
  const started = Date.now();
  const progress: FirehoseProgress = { lines: 0, accepted: 0, duplicates: 0, rejected: 0, retries: 0, elapsedMs: 0 };
  const input = await openSource(opts.source, opts.signal);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let batch: string[] = [];

  async function send(lines: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (opts.signal?.aborted) throw new Error('aborted');
      let res: Response;
      try {
        res = await fetch(`${opts.ingestUrl}/v1/${kind}/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', 'x-api-key': opts.apiKey },
          body: lines.join('\n') + '\n',
        });
      } catch (err) {
        if (attempt >= 20) throw err;
        progress.retries++;
        await sleep(Math.min(10_000, 200 * 2 ** attempt));
        continue;
      }
      if (res.status === 202) {
        const body = (await res.json()) as { accepted: number; duplicates: number; rejected: number };
        progress.accepted += body.accepted;
        progress.duplicates += body.duplicates;
        progress.rejected += body.rejected;
        return;
      }
      if ((res.status === 503 || res.status === 429) && attempt < 50) {
        progress.retries++;
        const after = Number(res.headers.get('retry-after') ?? '1');
        await res.body?.cancel();
        await sleep(Math.max(100, Math.min(30_000, after * 1000)));
        continue;
      }
      throw new Error(`ingest answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
  }

  let lastReport = 0;
  for await (const line of rl) {
    if (opts.signal?.aborted) break;
    if (line.trim() === '') continue;
    batch.push(line);
    progress.lines++;
    if (batch.length >= batchLines) {
      await send(batch);
      batch = [];
    }
    const now = Date.now();
    if (opts.onProgress && now - lastReport > 1000) {
      lastReport = now;
      opts.onProgress({ ...progress, elapsedMs: now - started });
    }
  }
  if (batch.length > 0) await send(batch);
  progress.elapsedMs = Date.now() - started;
  opts.onProgress?.(progress);
  return progress;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
