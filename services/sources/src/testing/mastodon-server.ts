/**
 * A local Mastodon streaming server (WebSocket at /api/v1/streaming): clients subscribe with
 * {"type":"subscribe","stream":"hashtag","tag":"..."} or "public"; `post()` sends an `update`
 * event, the Status as a JSON string in `payload`, to every client subscribed to a matching stream.
 * With `publicNeedsToken`, a public subscription without an Authorization header gets the error
 * message Mastodon sends instead. Every posted status also goes into the instance's timelines,
 * read over REST (/api/v1/timelines/public and /api/v1/timelines/tag/:hashtag with min_id and
 * limit, newest first, as docs.joinmastodon.org/methods/timelines describes; a tag timeline also
 * takes more tags as any[]); with `paused` the streaming endpoint refuses connections (503) while
 * statuses keep arriving in the timelines. With `rateLimit`, the timelines answer with Mastodon's
 * X-RateLimit-Limit / -Remaining / -Reset headers and 429 once a window's requests are spent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { compareIds } from '../mastodon/mastodon-cursor';

type TestStatus = { id: string; tags: { name: string }[] } & Record<string, unknown>;

interface Client {
  ws: WebSocket;
  streams: Set<string>;
  token: string | undefined;
}

export class TestMastodonServer {
  publicNeedsToken = false;
  paused = false;
  readonly timeline: TestStatus[] = [];
  readonly timelineRequests: string[] = [];
  readonly clients = new Set<Client>();
  readonly authorizations: (string | undefined)[] = [];
  rateLimit: { limit: number; windowMs: number } | undefined;
  private window = { start: 0, used: 0 };
  rateLimited = 0;
  private http: Server | undefined;
  port = 0;
  connections = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.http = createServer((req, res) => {
      if (req.url === '/api/v1/streaming/health') return void res.writeHead(200).end('OK');
      const u = new URL(req.url ?? '/', 'http://localhost');
      const tag = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(u.pathname);
      if (u.pathname === '/api/v1/timelines/public' || tag) {
        this.timelineRequests.push(req.url ?? '');
        const rl: Record<string, string> = {};
        if (this.rateLimit) {
          const now = Date.now();
          if (now - this.window.start >= this.rateLimit.windowMs) this.window = { start: now, used: 0 };
          this.window.used++;
          const reset = new Date(this.window.start + this.rateLimit.windowMs).toISOString();
          Object.assign(rl, { 'x-ratelimit-limit': String(this.rateLimit.limit), 'x-ratelimit-remaining': String(Math.max(0, this.rateLimit.limit - this.window.used)), 'x-ratelimit-reset': reset });
          if (this.window.used > this.rateLimit.limit) {
            this.rateLimited++;
            return void res.writeHead(429, { 'content-type': 'application/json', ...rl }).end(JSON.stringify({ error: 'Too many requests' }));
          }
        }
        if (!tag && this.publicNeedsToken && !req.headers.authorization) {
          return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'This method requires an authenticated user' }));
        }
        const names = tag ? [decodeURIComponent(tag[1]!), ...u.searchParams.getAll('any[]')].map((t) => t.toLowerCase()) : undefined;
        const minId = u.searchParams.get('min_id') ?? u.searchParams.get('since_id') ?? '0';
        const limit = Math.min(40, Number(u.searchParams.get('limit') ?? 20));
        const page = this.timeline
          .filter((st) => compareIds(st.id, minId) > 0 && (names === undefined || st.tags.some((t) => names.includes(t.name.toLowerCase()))))
          .sort((x, y) => compareIds(x.id, y.id))
          .slice(0, limit)
          .reverse();
        return void res.writeHead(200, { 'content-type': 'application/json', ...rl }).end(JSON.stringify(page));
      }
      res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith('/api/v1/streaming')) return socket.destroy();
      if (this.paused) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.connections++;
        const token = req.headers.authorization;
        this.authorizations.push(token);
        const client: Client = { ws, streams: new Set(), token };
        this.clients.add(client);
        ws.on('close', () => this.clients.delete(client));
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; stream: string; tag?: string };
          if (m.type !== 'subscribe') return;
          if (m.stream === 'public' && this.publicNeedsToken && !client.token) {
            ws.send(JSON.stringify({ error: 'Access token does not have the required scopes', status: 401 }));
            return;
          }
          client.streams.add(m.stream === 'hashtag' ? `hashtag:${(m.tag ?? '').toLowerCase()}` : m.stream);
        });
      });
    });
    await new Promise<void>((resolve) => this.http!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.http.address() as AddressInfo).port;
  }

  subscribed(stream: string): boolean {
    return [...this.clients].some((c) => c.streams.has(stream));
  }

  /** Drops every streaming connection (the statuses posted meanwhile stay in the timelines). */
  dropClients(): void {
    for (const c of this.clients) c.ws.terminate();
  }

  /** Puts the status in the timelines and sends it to clients of the public stream and of any of its hashtags. */
  post(status: TestStatus): void {
    this.timeline.push(status);
    const payload = JSON.stringify(status);
    for (const c of this.clients) {
      const tag = status.tags.map((t) => `hashtag:${t.name.toLowerCase()}`).find((s) => c.streams.has(s));
      const stream = tag ? ['hashtag', tag.slice('hashtag:'.length)] : c.streams.has('public') ? ['public'] : undefined;
      if (stream && c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ stream, event: 'update', payload }));
    }
  }

  sendRaw(text: string): void {
    for (const c of this.clients) c.ws.send(text);
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    await new Promise<void>((resolve) => this.http?.close(() => resolve()) ?? resolve());
  }
}

export function testStatus(n: number, text: string, tags: string[], extra: Record<string, unknown> = {}) {
  const at = Date.now();
  return {
    // A snowflake like Mastodon's: the time in ms above 16 bits of sequence.
    id: ((BigInt(at) << 16n) + BigInt(n % 65536)).toString(),
    uri: `https://remote.example/users/u${n}/statuses/${n}`,
    url: `https://remote.example/@u${n}/${n}`,
    created_at: new Date(at).toISOString(),
    content: `<p>${text}</p>`,
    spoiler_text: '',
    visibility: 'public',
    language: 'en',
    account: { id: String(n), acct: `u${n}@remote.example`, url: `https://remote.example/@u${n}` },
    tags: tags.map((t) => ({ name: t, url: `https://remote.example/tags/${t}` })),
    reblog: null,
    ...extra,
  };
}
