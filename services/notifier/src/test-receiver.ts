import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver for tests: a real node:http server on a loopback port that records every
 * request and answers as the test says (fail the first N, hang, refuse...). `stop()` closes it
 * so the port refuses connections; `start()` brings it back on the same port.
 */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
}

export type Behaviour = (req: { n: number; body: string; headers: IncomingHttpHeaders }) => number | 'hang' | { status: number; headers: Record<string, string> };

export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | undefined;
  private readonly hanging = new Set<() => void>();
  port = 0;

  /** `host`: any loopback address (127.0.0.2 stands for a receiver the notifier is allowed to reach). */
  constructor(
    public behaviour: Behaviour = () => 200,
    readonly host = '127.0.0.1',
  ) {}

  get url(): string {
    return `http://${this.host}:${this.port}/hook`;
  }

  /** Requests answered 2xx. */
  get delivered(): ReceivedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  async start(port = this.port): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const n = this.requests.length + 1;
        const answer = this.behaviour({ n, body, headers: req.headers });
        if (answer === 'hang') {
          this.requests.push({ headers: req.headers, body, at: Date.now(), status: 0 });
          const end = () => res.destroy();
          this.hanging.add(end);
          res.on('close', () => this.hanging.delete(end));
          return;
        }
        const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
        this.requests.push({ headers: req.headers, body, at: Date.now(), status });
        res.writeHead(status, headers).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const end of this.hanging) end();
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** Polls until `check` returns something truthy, rather than sleeping a guessed time. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
