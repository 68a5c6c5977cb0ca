import { describe, expect, it } from 'vitest';
import { formatSse, StreamHub, type StreamSink } from './hub';

class FakeSink implements StreamSink {
  chunks: string[] = [];
  writableLength = 0;
  destroyed = false;
  ended = false;
  /** When false the client "reads" nothing: everything written stays buffered. */
  constructor(private readonly reading = true) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    if (!this.reading) this.writableLength += Buffer.byteLength(chunk);
    return this.reading;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  events(): string[] {
    return this.chunks.flatMap((c) => [...c.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]!));
  }
}

const hubWith = (maxBufferBytes = 10_000) => new StreamHub({ maxBufferBytes, maxClients: 3, pingMs: 60_000, now: () => 42 });

describe('StreamHub', () => {
  it('formats server-sent events', () => {
    expect(formatSse('score', { a: 1 })).toBe('event: score\ndata: {"a":1}\n\n');
  });

  it('greets a client with a ping, then fans events out to every client', () => {
    const hub = hubWith();
    const a = new FakeSink();
    const b = new FakeSink();
    hub.add(a, null);
    hub.add(b, null);
    hub.publish('score', { serviceId: 'facebook' }, ['facebook']);
    expect(a.events()).toEqual(['ping', 'score']);
    expect(b.events()).toEqual(['ping', 'score']);
    expect(a.chunks[1]).toContain('"at":42');
  });

  it('sends a filtered client only the events of its services; events of no service go to unfiltered clients only', () => {
    const hub = hubWith();
    const all = new FakeSink();
    const fb = new FakeSink();
    hub.add(all, null);
    hub.add(fb, new Set(['facebook', 'instagram']));
    hub.publish('score', { serviceId: 'twitter' }, ['twitter']);
    hub.publish('incident', { incidentId: 'x' }, ['whatsapp', 'instagram']);
    hub.publish('trend', { hashtag: 'down' }, null);
    expect(all.events()).toEqual(['ping', 'score', 'incident', 'trend']);
    expect(fb.events()).toEqual(['ping', 'incident']);
  });

  it('drops a client that stops reading instead of buffering for it', () => {
    const hub = hubWith(400);
    const slow = new FakeSink(false);
    const fast = new FakeSink();
    hub.add(slow, null);
    hub.add(fast, null);
    for (let i = 0; i < 20; i++) hub.publish('score', { serviceId: 'facebook', i }, ['facebook']);
    expect(slow.destroyed).toBe(true);
    expect(slow.writableLength).toBeLessThanOrEqual(400);
    expect(fast.events().filter((e) => e === 'score')).toHaveLength(20);
    expect(hub.size).toBe(1);
    expect(hub.stats.dropped).toBe(1);
  });

  it('reports full at maxClients, forgets removed clients and ends every stream on close', () => {
    const hub = hubWith();
    const sinks = [new FakeSink(), new FakeSink(), new FakeSink()];
    const clients = sinks.map((s) => hub.add(s, null));
    expect(hub.full).toBe(true);
    hub.remove(clients[0]!);
    expect(hub.full).toBe(false);
    hub.close();
    expect(hub.size).toBe(0);
    expect(sinks.slice(1).every((s) => s.ended)).toBe(true);
  });
});
