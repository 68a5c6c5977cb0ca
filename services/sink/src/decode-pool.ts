/**
 * Threads that turn reports messages into RowBinary rows (decode-worker.ts) while the main thread
 * fetches from Kafka and inserts into ClickHouse (DOWNRADAR_SINK_DECODE_THREADS). A batch's values
 * are copied into one buffer and moved to a thread (no copy back: the encoded body is moved too);
 * the thread answers with the body, its row count and the indices of the messages it did not map
 * (not plain: the main thread maps those the general way).
 */
import { Worker } from 'node:worker_threads';

export interface DecodeRequest {
  id: number;
  data: ArrayBuffer;
  /** Each message's value length in bytes, -1 for a null value. */
  lengths: Int32Array;
}

export interface DecodeResponse {
  id: number;
  body: ArrayBuffer;
  offset: number;
  length: number;
  rows: number;
  fallback: Int32Array;
}

export interface EncodedReports {
  /** RowBinary rows of the reports table (REPORT_LAYOUT), in message order. */
  body: Buffer;
  rows: number;
  /** Indices of the messages not in body, ascending. */
  fallback: Int32Array;
}

export interface DecodePool {
  /** Resolves once every thread has loaded its code (until then the sink maps on its main thread). */
  ready(): Promise<void>;
  encodeReports(values: readonly (Buffer | string | null)[]): Promise<EncodedReports>;
  close(): Promise<void>;
}

export function createDecodePool(threads: number): DecodePool {
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./decode-worker.mjs', import.meta.url)));
  const waiting = new Map<number, { resolve(r: EncodedReports): void; reject(e: unknown): void; worker: number }>();
  const load = workers.map(() => 0);
  const alive = workers.map(() => true);
  let nextId = 0;
  let closed = false;
  const loaded = workers.map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        const onMessage = (m: { ready?: boolean }) => {
          if (m.ready !== true) return;
          w.off('message', onMessage);
          resolve();
        };
        w.on('message', onMessage);
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`sink decode thread exited (${code}) while loading`)));
      }),
  );
  const allLoaded = Promise.all(loaded).then(() => undefined);
  allLoaded.catch(() => undefined); // observed by ready(); encodeReports fails on its own
  workers.forEach((w, i) => {
    w.on('message', (r: DecodeResponse | { ready: true }) => {
      if (!('id' in r)) return;
      const p = waiting.get(r.id);
      if (!p) return;
      waiting.delete(r.id);
      load[i]!--;
      p.resolve({ body: Buffer.from(r.body, r.offset, r.length), rows: r.rows, fallback: r.fallback });
    });
    const fail = (err: unknown) => {
      alive[i] = false;
      for (const [id, p] of waiting)
        if (p.worker === i) {
          waiting.delete(id);
          p.reject(err);
        }
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (!closed) fail(new Error(`sink decode thread exited (${code})`));
    });
  });
  return {
    ready: () => allLoaded,
    encodeReports(values) {
      if (closed) return Promise.reject(new Error('sink decode pool closed'));
      const lengths = new Int32Array(values.length);
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        const n = v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
        lengths[i] = n;
        if (n > 0) total += n;
      }
      const data = Buffer.allocUnsafeSlow(total);
      let pos = 0;
      for (const v of values) {
        if (v === null || v === undefined) continue;
        pos += typeof v === 'string' ? data.write(v, pos) : v.copy(data, pos);
      }
      // The least loaded thread (in requests waiting) of those still running.
      let worker = -1;
      for (let i = 0; i < workers.length; i++) if (alive[i] && (worker < 0 || load[i]! < load[worker]!)) worker = i;
      if (worker < 0) return Promise.reject(new Error('sink decode threads exited'));
      load[worker]!++;
      const id = nextId++;
      return new Promise<EncodedReports>((resolve, reject) => {
        waiting.set(id, { resolve, reject, worker });
        const req: DecodeRequest = { id, data: data.buffer as ArrayBuffer, lengths };
        workers[worker]!.postMessage(req, [req.data, lengths.buffer as ArrayBuffer]);
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
      for (const p of waiting.values()) p.reject(new Error('sink decode pool closed'));
      waiting.clear();
    },
  };
}
