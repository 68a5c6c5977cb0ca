/**
 * Closed-loop HTTP load for the write-path benchmarks: `concurrency` keep-alive connections, each
 * sending its next request as soon as the previous one was answered.
 */
import http from 'node:http';

export interface Answer {
  status: number;
  ms: number;
  body: string;
}

export function createPoster(port: number, concurrency: number, headers: Record<string, string> = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  function post(path: string, body: string, contentType: string): Promise<Answer> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
  return { post, close: () => agent.destroy() };
}

export interface SingleLoadResult {
  perS: number;
  p50: number;
  p99: number;
  notAccepted: number;
  firstBad?: string;
  /** Answers 503 (shed) that were sent again (with `retryShed`). */
  shed: number;
}

/**
 * With `retryShed`, a request answered 503 (ingest shedding load, or Kafka not answering in time)
 * is sent again after `delayMs`, as a client would, up to `tries` times; its latency runs from the
 * first try. For a throughput figure on a loaded machine, not for the 503 policy itself.
 */
export interface RetryShed {
  delayMs: number;
  tries: number;
}

async function postRetrying(post: (path: string, body: string, contentType: string) => Promise<Answer>, path: string, body: string, contentType: string, retry: RetryShed | undefined, onShed: () => void): Promise<Answer> {
  const started = performance.now();
  let r = await post(path, body, contentType);
  for (let tries = 1; retry && r.status === 503 && tries < retry.tries; tries++) {
    onShed();
    await new Promise((res) => setTimeout(res, retry.delayMs));
    r = await post(path, body, contentType);
  }
  return { ...r, ms: performance.now() - started };
}

/** `n` single JSON POSTs over `concurrency` connections; latency per request. */
export async function singleLoad(o: {
  port: number;
  path: string;
  n: number;
  concurrency: number;
  body: (i: number) => string;
  headers?: Record<string, string>;
  retryShed?: RetryShed;
}): Promise<SingleLoadResult> {
  const poster = createPoster(o.port, o.concurrency, o.headers);
  let next = 0;
  const latencies: number[] = [];
  let notAccepted = 0;
  let shed = 0;
  let firstBad: string | undefined;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next < o.n) {
          const i = next++;
          const r = await postRetrying(poster.post, o.path, o.body(i), 'application/json', o.retryShed, () => shed++);
          if (r.status !== 202) {
            notAccepted++;
            firstBad ??= `${r.status} ${r.body.slice(0, 300)}`;
          }
          latencies.push(r.ms);
        }
      }),
    );
  } finally {
    poster.close();
  }
  return singleLoadResult(o.n, started, latencies, notAccepted, firstBad, shed);
}

/** A single-POST run's figures: its rate since `started`, the latency p50 and p99 (sorts `latencies`). */
export function singleLoadResult(n: number, started: number, latencies: number[], notAccepted: number, firstBad: string | undefined, shed: number): SingleLoadResult {
  const secs = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perS: n / secs,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
    notAccepted,
    ...(firstBad ? { firstBad } : {}),
    shed,
  };
}

/**
 * NDJSON bodies, `inFlight` at a time. A 503 is retried with the same body after a short pause,
 * as ingest's contract asks of a client (the same ids are stored once); any other answer than a
 * 202 fails. The time includes the retries, and `retries` says how many there were.
 */
export async function batchLoad(o: { port: number; path: string; bodies: string[]; inFlight: number; headers?: Record<string, string> }): Promise<{ seconds: number; retries: number }> {
  const poster = createPoster(o.port, o.inFlight, o.headers);
  let next = 0;
  let retries = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: o.inFlight }, async () => {
        while (next < o.bodies.length) {
          const body = o.bodies[next++]!;
          for (let attempt = 0; ; attempt++) {
            const r = await poster.post(o.path, body, 'application/x-ndjson');
            if (r.status === 202) break;
            if (r.status !== 503 || attempt >= 10) throw new Error(`batch answered ${r.status}: ${r.body.slice(0, 300)}`);
            retries++;
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      }),
    );
  } finally {
    poster.close();
  }
  return { seconds: (performance.now() - started) / 1000, retries };
}
