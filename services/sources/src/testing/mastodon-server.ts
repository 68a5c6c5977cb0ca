/**
 * A local Mastodon streaming server (WebSocket at /api/v1/streaming): clients subscribe with
 * {"type":"subscribe","stream":"hashtag","tag":"..."} or "public"; `post()` sends an `update`
 * event, the Status as a JSON string in `payload`, to every client subscribed to a matching stream.
 * With `publicNeedsToken`, a public subscription without an Authorization header gets the error
 * message Mastodon sends instead.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

interface Client {
  ws: WebSocket;
  streams: Set<string>;
  token: string | undefined;
}

export class TestMastodonServer {
  publicNeedsToken = false;
  readonly clients = new Set<Client>();
  readonly authorizations: (string | undefined)[] = [];
  private http: Server | undefined;
  port = 0;
  connections = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.http = createServer((req, res) => {
      if (req.url === '/api/v1/streaming/health') return void res.writeHead(200).end('OK');
      res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      if (!(req.url ?? '').startsWith('/api/v1/streaming')) return socket.destroy();
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

  /** Sends the status to clients of the public stream and of any of its hashtags. */
  post(status: { tags: { name: string }[] } & Record<string, unknown>): void {
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
  return {
    id: String(100000 + n),
    uri: `https://remote.example/users/u${n}/statuses/${n}`,
    url: `https://remote.example/@u${n}/${n}`,
    created_at: new Date().toISOString(),
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
