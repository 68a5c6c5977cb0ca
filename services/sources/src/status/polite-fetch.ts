/**
 * Conditional GETs with a per-host politeness gap: requests to one host start at least `hostGapMs`
 * apart (several pages or feeds on one host, a page's summary and incidents, wait their turn), and
 * carry If-None-Match / If-Modified-Since from the previous answer, so an unchanged page costs the
 * provider a 304 and no body.
 */
import http from 'node:http';
import https from 'node:https';

export type FetchResult =
  | { kind: 'ok'; status: number; body: string; etag?: string; lastModified?: string }
  | { kind: 'not-modified' }
  | { kind: 'error'; reason: string; status?: number };

export interface Validators {
  etag?: string;
  lastModified?: string;
}

const MAX_BODY = 5 * 1024 * 1024;

export class PoliteFetcher {
  private readonly nextStart = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  readonly stats = { requests: 0, notModified: 0 };
  /** When the latest requests started, per host (the last 100): what the politeness rule is about. */
  readonly recentStarts: { host: string; at: number }[] = [];

  constructor(private readonly o: { hostGapMs: number; timeoutMs: number; ca?: string | Buffer; userAgent?: string }) {}

  get(url: string, validators: Validators = {}): Promise<FetchResult> {
    const host = new URL(url).host;
    const previous = this.queues.get(host) ?? Promise.resolve();
    const run = previous.then(async () => {
      // A timer may fire a millisecond before Date.now() says its delay is over (the clocks round
      // differently), so wait again until the gap has really passed: the gap is a promise to the host.
      for (let wait = (this.nextStart.get(host) ?? 0) - Date.now(); wait > 0; wait = (this.nextStart.get(host) ?? 0) - Date.now()) {
        await new Promise((r) => setTimeout(r, wait));
      }
      const at = Date.now();
      this.nextStart.set(host, at + this.o.hostGapMs);
      this.recentStarts.push({ host, at });
      if (this.recentStarts.length > 100) this.recentStarts.shift();
      return this.request(url, validators);
    });
    this.queues.set(host, run.catch(() => undefined));
    return run;
  }

  private request(url: string, validators: Validators): Promise<FetchResult> {
    this.stats.requests++;
    const u = new URL(url);
    const lib = u.protocol === 'http:' ? http : https;
    const headers: Record<string, string> = { 'user-agent': this.o.userAgent ?? 'downradar-status-poller', accept: 'application/json, application/rss+xml, application/atom+xml, text/xml;q=0.9, */*;q=0.5' };
    if (validators.etag) headers['if-none-match'] = validators.etag;
    if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
    return new Promise((resolve) => {
      const req = lib.request(u, { method: 'GET', headers, timeout: this.o.timeoutMs, ...(this.o.ca && u.protocol === 'https:' ? { ca: this.o.ca } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 304) {
          this.stats.notModified++;
          res.resume();
          return resolve({ kind: 'not-modified' });
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return resolve({ kind: 'error', status, reason: `HTTP ${status}` });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            req.destroy(new Error(`body over ${MAX_BODY} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const r: FetchResult = { kind: 'ok', status, body: Buffer.concat(chunks).toString('utf8') };
          const etag = res.headers.etag;
          const lastModified = res.headers['last-modified'];
          if (typeof etag === 'string') r.etag = etag;
          if (typeof lastModified === 'string') r.lastModified = lastModified;
          resolve(r);
        });
        res.on('error', (err) => resolve({ kind: 'error', reason: err.message }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.o.timeoutMs} ms`)));
      req.on('error', (err) => resolve({ kind: 'error', reason: err.message }));
      req.end();
    });
  }
}
