/**
 * Local servers for the probes (no internet here): a DNS server (dns2, UDP) that answers A queries
 * from a table and answers NXDOMAIN, SERVFAIL, REFUSED or nothing at all (a slow server) for the
 * names told to; and HTTPS endpoints with a self-signed certificate made in the test, one per
 * loopback address, all on one port: 200, 503, a reset before the handshake, a handshake that
 * never comes, and an address where nothing listens (refused).
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';
import { generate } from 'selfsigned';

export type DnsBehaviour = { address: string } | 'nxdomain' | 'servfail' | 'refused' | 'silent';

export class TestDnsServer {
  readonly names = new Map<string, DnsBehaviour>();
  readonly queries: string[] = [];
  private server: ReturnType<typeof dns2.createServer> | undefined;
  port = 0;

  async start(): Promise<void> {
    const { Packet } = dns2;
    this.server = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        const q = request.questions[0];
        const name = (q?.name ?? '').toLowerCase();
        this.queries.push(name);
        const b = this.names.get(name) ?? 'nxdomain';
        if (b === 'silent') return;
        // RFC 1035 rcodes (dns2's typings lack Packet.RCODE): 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
        const header = response.header as { rcode: number };
        if (b === 'nxdomain') header.rcode = 3;
        else if (b === 'servfail') header.rcode = 2;
        else if (b === 'refused') header.rcode = 5;
        else if (q?.type === Packet.TYPE.A) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 5, address: b.address } as unknown as (typeof response.answers)[number]);
        send(response);
      },
    });
    const listening = new Promise<void>((resolve) => this.server!.on('listening', () => resolve()));
    await this.server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    await listening;
    this.port = (this.server.addresses().udp as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}

export type HttpsBehaviour = 'ok' | '503' | 'reset' | 'hang';

/** One port, one behaviour per loopback address (127.0.0.1 ok, .2 503, .3 reset, .4 hang; .5 refused). */
export class TestHttpsEndpoints {
  static readonly ADDRESSES: Record<HttpsBehaviour | 'refused', string> = { ok: '127.0.0.1', '503': '127.0.0.2', reset: '127.0.0.3', hang: '127.0.0.4', refused: '127.0.0.5' };
  port = 0;
  ca = '';
  readonly requests: string[] = [];
  private readonly servers: (TlsServer | TcpServer)[] = [];
  private readonly sockets = new Set<Socket>();

  async start(domains: string[]): Promise<void> {
    const pems = await generate([{ name: 'commonName', value: domains[0] ?? 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: domains.map((d) => ({ type: 2, value: d })) },
      ],
    });
    this.ca = pems.cert;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.listenAll(pems.private, pems.cert, attempt === 0 ? 0 : 40000 + Math.floor(Math.random() * 9000));
        return;
      } catch (err) {
        await this.stop();
        if (attempt > 20) throw err;
      }
    }
  }

  private async listenAll(key: string, cert: string, port: number): Promise<void> {
    const listen = (server: TlsServer | TcpServer, host: string, p: number) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, host, () => resolve((server.address() as AddressInfo).port));
      });
    const track = (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    };
    const ok = createTlsServer({ key, cert }, (req, res) => {
      this.requests.push(`ok ${req.headers.host}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    ok.on('connection', track);
    this.servers.push(ok);
    this.port = await listen(ok, TestHttpsEndpoints.ADDRESSES.ok, port);
    const down = createTlsServer({ key, cert }, (req, res) => {
      this.requests.push(`503 ${req.headers.host}`);
      res.writeHead(503, { 'retry-after': '30' }).end('down');
    });
    down.on('connection', track);
    this.servers.push(down);
    await listen(down, TestHttpsEndpoints.ADDRESSES['503'], this.port);
    const reset = createTcpServer((s) => {
      s.resetAndDestroy();
    });
    this.servers.push(reset);
    await listen(reset, TestHttpsEndpoints.ADDRESSES.reset, this.port);
    const hang = createTcpServer((s) => {
      track(s);
      s.on('error', () => undefined);
    });
    this.servers.push(hang);
    await listen(hang, TestHttpsEndpoints.ADDRESSES.hang, this.port);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }
}
