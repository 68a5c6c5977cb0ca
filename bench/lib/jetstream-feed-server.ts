/**
 * Child process of bench/sources.bench.ts: a local Jetstream that streams a recorded stream of
 * every collection (services/sources/src/testing/jetstream-server.ts makeFrames) to each client as
 * fast as the client reads it, looping over the recording with time_us moving on, until the client
 * goes. Apart from the benchmark's process, so that its CPU is not counted as the connector's.
 * Prints {"port": n} when listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeFrames } from '../../services/sources/src/testing/jetstream-server';

const RECORDED = 50_000;
const start = Date.now() * 1000;
const frames = makeFrames(RECORDED, start, { stepUs: 200, seed: 42, relevantShare: 0.05, dids: 20_000 });
const span = RECORDED * 200;

function stream(ws: WebSocket): void {
  let i = 0;
  const pump = () => {
    while (ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) {
      const f = frames[i % RECORDED]!;
      const lap = Math.floor(i / RECORDED);
      // Later laps are later events: time_us moves on, so the cursor does too.
      ws.send(lap === 0 ? f.text : f.text.replace(`"time_us":${f.time_us}`, `"time_us":${f.time_us + lap * span}`));
      i++;
      if (i % 256 === 0) break;
    }
    if (ws.readyState === ws.OPEN) setImmediate(pump);
  };
  pump();
}

const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, path: '/subscribe' });
wss.on('connection', (ws) => {
  ws.on('error', () => undefined);
  stream(ws);
});
http.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (http.address() as AddressInfo).port, recorded: RECORDED })));
process.on('SIGTERM', () => process.exit(0));
