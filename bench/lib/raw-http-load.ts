/**
 * A lean closed-loop HTTP/1.1 load generator for single POSTs: `concurrency` keep-alive TCP
 * connections, each sending its next request as soon as the previous answer is complete, the
 * request written as one string and the answer read only as far as its status line and
 * content-length. Same contract and result as http-load.ts's `singleLoad`.
 *
 * Why: on this two-core machine node's own http client (http-load.ts) spent 130-200 µs of CPU a
 * request (session 11, `bench/lib/ingest-alone.ts single`): more than the fastify hello-world it
 * drove (110-125 µs) and over half of what ingest spends. The generator shares the two cores
 * with ingest and the broker, so it takes CPU from what it measures; a generator like wrk costs
 * a few µs. DOWNRADAR_BENCH_LOADER=raw selects it in ingest-alone.ts.
 */
import net from 'node:net';
import { singleLoadResult, type SingleLoadResult } from './http-load';

interface Answer {
  status: number;
  ms: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection that sends one request at a time. */
class Connection {
  private socket: net.Socket;
  private pending: Buffer | null = null;
  private waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void; started: number } | null = null;
  private closed: Error | null = null;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => this.onData(d));
    const fail = (err: Error) => {
      this.closed = err;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(err);
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  request(text: string): Promise<Answer> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, started: performance.now() };
      this.socket.write(text);
    });
  }

  private onData(d: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, d]) : d;
    const end = buf.indexOf(HEADER_END);
    if (end < 0) {
      this.pending = buf;
      return;
    }
    const head = buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : 0;
    const total = end + 4 + length;
    if (buf.length < total) {
      this.pending = buf;
      return;
    }
    if (buf.length > total) throw new Error('more than one answer on a connection with one request outstanding');
    this.pending = null;
    const w = this.waiting;
    this.waiting = null;
    if (!w) throw new Error('an answer nobody asked for');
    const status = Number(head.slice(9, 12));
    w.resolve({ status, ms: performance.now() - w.started, body: status === 202 ? '' : buf.toString('utf8', end + 4, total) });
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }
}

/** `n` single JSON POSTs over `concurrency` keep-alive connections; latency per request. */
export async function rawSingleLoad(o: { port: number; path: string; n: number; concurrency: number; body: (i: number) => string; headers?: Record<string, string> }): Promise<SingleLoadResult> {
  const extra = Object.entries(o.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = `POST ${o.path} HTTP/1.1\r\nhost: 127.0.0.1:${o.port}\r\ncontent-type: application/json\r\n${extra}content-length: `;
  const connections = Array.from({ length: o.concurrency }, () => new Connection(o.port));
  let next = 0;
  const latencies: number[] = [];
  let notAccepted = 0;
  let firstBad: string | undefined;
  const started = performance.now();
  try {
    await Promise.all(
      connections.map(async (c) => {
        while (next < o.n) {
          const body = o.body(next++);
          const r = await c.request(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
          if (r.status !== 202) {
            notAccepted++;
            firstBad ??= `${r.status} ${r.body.slice(0, 300)}`;
          }
          latencies.push(r.ms);
        }
      }),
    );
  } finally {
    for (const c of connections) c.close();
  }
  return singleLoadResult(o.n, started, latencies, notAccepted, firstBad, 0);
}
