/**
 * Fan-out of live events to SSE clients. One Kafka consumer per API process feeds the hub; the
 * hub writes each event to every connected client whose filter matches.
 *
 * Memory stays bounded whatever the clients do: a client's queue is its socket's write buffer,
 * and a client whose buffer would grow past `maxBufferBytes` (it reads slower than events
 * arrive) is dropped rather than buffered for. The browser's EventSource reconnects by itself.
 */

export type StreamEventName = 'score' | 'catchup' | 'incident' | 'trend' | 'ping';

/** The part of a node ServerResponse the hub needs (a fake in unit tests). */
export interface StreamSink {
  readonly writableLength: number;
  readonly destroyed: boolean;
  write(chunk: string): boolean;
  end(): void;
  /** Drops the connection and whatever is still queued for it. */
  destroy(): void;
}

export interface StreamClient {
  readonly id: number;
  /** service ids to receive; null = everything */
  readonly services: ReadonlySet<string> | null;
  readonly sink: StreamSink;
}

export interface HubStats {
  clients: number;
  published: number;
  delivered: number;
  dropped: number;
}

export interface StreamHubOptions {
  maxBufferBytes: number;
  maxClients: number;
  pingMs: number;
  now?: () => number;
  onDrop?: (client: StreamClient, bufferedBytes: number) => void;
}

export function formatSse(event: StreamEventName, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class StreamHub {
  private readonly clients = new Map<number, StreamClient>();
  private nextId = 1;
  private pingTimer: NodeJS.Timeout | null = null;
  readonly stats: HubStats = { clients: 0, published: 0, delivered: 0, dropped: 0 };
  private readonly now: () => number;

  constructor(private readonly opts: StreamHubOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  /** Registers a client and sends it a first ping, so it knows the stream is live. */
  add(sink: StreamSink, services: ReadonlySet<string> | null): StreamClient {
    const client: StreamClient = { id: this.nextId++, services, sink };
    this.clients.set(client.id, client);
    this.stats.clients = this.clients.size;
    sink.write('retry: 3000\n\n');
    this.deliver(client, formatSse('ping', { at: this.now() }));
    this.startPing();
    return client;
  }

  remove(client: StreamClient): void {
    if (this.clients.delete(client.id)) this.stats.clients = this.clients.size;
    if (this.clients.size === 0) this.stopPing();
  }

  /**
   * Sends an event to every client whose filter includes one of `serviceIds`; `null` means the
   * event concerns no particular service and goes to unfiltered clients only.
   */
  publish(event: Exclude<StreamEventName, 'ping'>, data: unknown, serviceIds: readonly string[] | null): void {
    this.stats.published++;
    if (this.clients.size === 0) return;
    const chunk = formatSse(event, data);
    for (const client of [...this.clients.values()]) {
      if (client.services && !(serviceIds ?? []).some((s) => client.services!.has(s))) continue;
      this.deliver(client, chunk);
    }
  }

  ping(): void {
    const chunk = formatSse('ping', { at: this.now() });
    for (const client of [...this.clients.values()]) this.deliver(client, chunk);
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    this.stopPing();
    for (const client of [...this.clients.values()]) {
      this.remove(client);
      if (!client.sink.destroyed) client.sink.end();
    }
  }

  private deliver(client: StreamClient, chunk: string): void {
    const { sink } = client;
    if (sink.destroyed) {
      this.remove(client);
      return;
    }
    const buffered = sink.writableLength;
    if (buffered + Buffer.byteLength(chunk) > this.opts.maxBufferBytes) {
      this.remove(client);
      this.stats.dropped++;
      this.opts.onDrop?.(client, buffered);
      sink.destroy();
      return;
    }
    sink.write(chunk);
    this.stats.delivered++;
  }

  private startPing(): void {
    if (this.pingTimer) return;
    this.pingTimer = setInterval(() => this.ping(), this.opts.pingMs);
    this.pingTimer.unref();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
