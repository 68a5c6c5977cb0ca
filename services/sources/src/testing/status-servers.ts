/**
 * A local Statuspage v2 server (GET /api/v2/summary.json and /api/v2/incidents.json, with ETag and
 * 304 on If-None-Match) and RSS / Atom feeds (Last-Modified and 304 on If-Modified-Since), in the
 * shapes the public documentation gives, for the status poller's tests. Tests change the page
 * (components, incidents and their updates) and see what the poller reports.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestComponent {
  id: string;
  name: string;
  status: string;
  updated_at: string;
}
export interface TestIncidentUpdate {
  id: string;
  status: string;
  body: string;
  created_at: string;
}
export interface TestIncident {
  id: string;
  name: string;
  status: string;
  impact: string;
  shortlink: string;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  incident_updates: TestIncidentUpdate[];
}

export class TestStatusServer {
  components: TestComponent[] = [];
  incidents: TestIncident[] = [];
  indicator = 'none';
  rss: string | undefined;
  atom: string | undefined;
  feedModified = new Date('2026-01-05T12:00:00Z').toUTCString();
  /** method path status, per request, with the time it arrived. */
  readonly log: { path: string; status: number; at: number; conditional: boolean }[] = [];
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  summary(): object {
    const open = this.incidents.filter((i) => i.status !== 'resolved' && i.status !== 'postmortem');
    return {
      page: { id: 'testpage', name: 'Test', url: this.url, time_zone: 'Etc/UTC', updated_at: new Date().toISOString() },
      components: this.components.map((c, i) => ({ ...c, created_at: '2020-01-01T00:00:00Z', position: i + 1, description: null, showcase: true, start_date: null, group_id: null, page_id: 'testpage', group: false, only_show_if_degraded: false })),
      incidents: open.map((i) => ({ ...i, page_id: 'testpage', incident_updates: [...i.incident_updates].reverse() })),
      scheduled_maintenances: [],
      status: { indicator: this.indicator, description: this.indicator === 'none' ? 'All Systems Operational' : 'Partial System Outage' },
    };
  }

  /** Listens on `port` (0: any free one; a test that takes the server down starts it again on its old port). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const arrived = Date.now();
      const path = (req.url ?? '/').split('?')[0]!;
      let body: string | undefined;
      let type = 'application/json';
      if (path === '/api/v2/summary.json') body = JSON.stringify(this.summary());
      else if (path === '/api/v2/incidents.json') body = JSON.stringify({ page: { id: 'testpage', name: 'Test', url: this.url }, incidents: this.incidents.map((i) => ({ ...i, incident_updates: [...i.incident_updates].reverse() })) });
      else if (path === '/feed.rss' && this.rss) [body, type] = [this.rss, 'application/rss+xml'];
      else if (path === '/feed.atom' && this.atom) [body, type] = [this.atom, 'application/atom+xml'];
      const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
      const reply = (status: number, headers: Record<string, string> = {}, text?: string) => {
        this.log.push({ path, status, at: arrived, conditional });
        res.writeHead(status, headers).end(text);
      };
      if (body === undefined) return reply(404);
      if (path.startsWith('/feed')) {
        if (req.headers['if-modified-since'] === this.feedModified) return reply(304);
        return reply(200, { 'content-type': type, 'last-modified': this.feedModified }, body);
      }
      // The page's time stamp changes on every request; the ETag covers what matters.
      const etag = `"${createHash('sha1').update(JSON.stringify([this.components, this.incidents, this.indicator])).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) return reply(304, { etag });
      reply(200, { 'content-type': type, etag }, body);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Gone: no longer listening, kept-alive connections closed (a poller's next request is refused). */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
