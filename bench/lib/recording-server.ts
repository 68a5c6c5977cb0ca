/**
 * A local HTTP server for the load generators' tests (raw-http-load, wrk-load): it records each
 * request (path, content type, API key, body) and lets the test answer it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  path: string;
  type: string;
  key: string;
  body: string;
}

export interface RecordingServer {
  port: number;
  /** Every request's record, in the order they ended (a test may empty it). */
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startRecordingServer(answer: (body: string, res: http.ServerResponse) => void): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', key: String(req.headers['x-api-key'] ?? ''), body });
      answer(body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
