/**
 * A local server that speaks Jetstream's subscribe protocol, for tests and the benchmark (no
 * internet here): GET /subscribe upgraded to a WebSocket, query `wantedCollections` (repeatable)
 * and `cursor` (time_us). With a cursor it first replays every recorded frame with time_us >=
 * cursor, then streams live; without one it streams live only, as Jetstream does. Identity and
 * account frames are sent whatever the wanted collections.
 *
 * The frames are written from Jetstream's README (kind commit / identity / account, commit
 * operation / collection / rkey / record); `makeFrames` builds a recorded stream of every
 * collection in realistic proportions, with posts about catalog services among them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { seededRandom } from '@downradar/common/seeded-random';

export interface Frame {
  time_us: number;
  text: string;
  /** commit collection, or undefined for identity / account / raw frames. */
  collection?: string;
}

interface Client {
  ws: WebSocket;
  wanted: Set<string>;
}

export class JetstreamTestServer {
  readonly frames: Frame[] = [];
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly clients = new Set<Client>();
  port = 0;
  connections = 0;
  readonly cursorsAsked: (number | null)[] = [];

  get url(): string {
    return `ws://127.0.0.1:${this.port}/subscribe`;
  }

  async start(port = this.port): Promise<void> {
    this.http = createServer((_req, res) => res.writeHead(404).end());
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname !== '/subscribe') return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.accept(ws, u));
    });
    await new Promise<void>((resolve) => this.http!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.http.address() as AddressInfo).port;
  }

  /** Closes every connection and stops listening (the source is "down"). */
  async stop(): Promise<void> {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss?.close(() => resolve()) ?? resolve());
    await new Promise<void>((resolve) => this.http?.close(() => resolve()) ?? resolve());
    this.http = undefined;
  }

  private accept(ws: WebSocket, u: URL): void {
    this.connections++;
    const wanted = new Set(u.searchParams.getAll('wantedCollections'));
    const cursorText = u.searchParams.get('cursor');
    const cursor = cursorText === null ? null : Number(cursorText);
    this.cursorsAsked.push(cursor);
    const client: Client = { ws, wanted };
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => undefined);
    if (cursor !== null && Number.isFinite(cursor)) {
      for (const f of this.frames) if (f.time_us >= cursor && this.wants(client, f)) ws.send(f.text);
    }
    this.clients.add(client);
  }

  private wants(c: Client, f: Frame): boolean {
    return f.collection === undefined || c.wanted.size === 0 || c.wanted.has(f.collection);
  }

  /** Records a frame and sends it to every live client that wants it. */
  emit(f: Frame): void {
    this.frames.push(f);
    for (const c of this.clients) if (this.wants(c, f) && c.ws.readyState === WebSocket.OPEN) c.ws.send(f.text);
  }
}

const COLLECTIONS: [string, number][] = [
  ['app.bsky.feed.like', 0.5],
  ['app.bsky.feed.post', 0.22],
  ['app.bsky.feed.repost', 0.1],
  ['app.bsky.graph.follow', 0.12],
  ['app.bsky.graph.block', 0.02],
  ['app.bsky.actor.profile', 0.02],
];

const TEXTS = [
  'good morning everyone, coffee first',
  'what a match last night',
  'new blog post about gardening is up',
  'is instagram down?? feed will not load #instagramdown',
  'whatsapp not sending messages for anyone else?',
  'facebook down again, cant log in #facebookdown',
  'reading a great book on the train',
  'github actions are stuck in queued for an hour',
];

/**
 * `count` frames from `startUs` on, one every `stepUs`: commits of every collection (creates,
 * some deletes), identity and account events, posts with langs, tag facets and replies. Posts
 * about catalog services are `relevantShare` of the posts. Deterministic for a seed.
 */
export function makeFrames(count: number, startUs: number, opts: { stepUs?: number; seed?: number; relevantShare?: number; dids?: number } = {}): Frame[] {
  const random = seededRandom(opts.seed ?? 1);
  const step = opts.stepUs ?? 1000;
  const dids = opts.dids ?? 5000;
  const out: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const time_us = startUs + i * step;
    const did = `did:plc:${(Math.floor(random() * dids) + 100000).toString(36).padStart(24, 'a')}`;
    const r = random();
    if (r < 0.01) {
      out.push({ time_us, text: JSON.stringify({ did, time_us, kind: 'identity', identity: { did, handle: `u${i}.bsky.social`, seq: i, time: new Date(time_us / 1000).toISOString() } }) });
      continue;
    }
    if (r < 0.015) {
      out.push({ time_us, text: JSON.stringify({ did, time_us, kind: 'account', account: { active: true, did, seq: i, time: new Date(time_us / 1000).toISOString() } }) });
      continue;
    }
    let pick = random();
    let collection = COLLECTIONS[0]![0];
    for (const [c, p] of COLLECTIONS) {
      if (pick < p) {
        collection = c;
        break;
      }
      pick -= p;
    }
    const rkey = `3l${(time_us % 1e12).toString(36)}${i.toString(36)}`;
    const del = random() < 0.05;
    const commit: Record<string, unknown> = { rev: rkey, operation: del ? 'delete' : 'create', collection, rkey };
    if (!del) {
      commit.cid = `bafyrei${rkey}`;
      if (collection === 'app.bsky.feed.post') {
        const relevant = random() < (opts.relevantShare ?? 0.1);
        const text = relevant ? TEXTS[3 + Math.floor(random() * 5)]! : TEXTS[Math.floor(random() * 3)]!;
        const record: Record<string, unknown> = { $type: collection, createdAt: new Date(time_us / 1000).toISOString(), text, langs: ['en'] };
        const tag = /#(\w+)/.exec(text);
        if (tag) record.facets = [{ index: { byteStart: tag.index, byteEnd: tag.index + tag[0].length }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: tag[1] }] }];
        if (random() < 0.3) record.reply = { root: { uri: `at://${did}/app.bsky.feed.post/root${i}`, cid: 'bafyroot' }, parent: { uri: `at://${did}/app.bsky.feed.post/parent${i}`, cid: 'bafyparent' } };
        commit.record = record;
      } else {
        commit.record = { $type: collection, createdAt: new Date(time_us / 1000).toISOString(), subject: { uri: `at://${did}/app.bsky.feed.post/x${i}`, cid: 'bafyx' } };
      }
    }
    out.push({ time_us, collection, text: JSON.stringify({ did, time_us, kind: 'commit', commit }) });
  }
  return out;
}
