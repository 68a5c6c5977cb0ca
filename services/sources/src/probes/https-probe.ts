/**
 * An HTTPS probe, phase by phase so that the failure says where it happened: TCP connect to the
 * address the DNS probe found (refused, reset, timeout), TLS handshake with the domain as SNI and
 * certificate check (tls_error), then `GET /` over HTTP/1.1 until the status line (timeout, 5xx).
 * Each phase has the whole timeout; the timings of the phases reached are reported.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeOutcome } from '../../../../schemas/events/index';

export interface HttpsProbeResult {
  ok: boolean;
  outcome: ProbeOutcome;
  latencyMs: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
  httpStatus?: number;
  error?: string;
}

export interface HttpsProbeOptions {
  domain: string;
  address: string;
  port: number;
  timeoutMs: number;
  ca?: string | Buffer;
}

function tcpOutcome(code: string | undefined): ProbeOutcome {
  if (code === 'ECONNREFUSED') return 'tcp_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'tcp_reset';
  if (code === 'ETIMEDOUT') return 'tcp_timeout';
  return 'error';
}

export function httpsProbe(o: HttpsProbeOptions): Promise<HttpsProbeResult> {
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  return new Promise((resolve) => {
    let phase: 'tcp' | 'tls' | 'http' = 'tcp';
    let settled = false;
    const r: HttpsProbeResult = { ok: false, outcome: 'error', latencyMs: 0 };
    let secure: tls.TLSSocket | undefined;
    const socket = net.connect({ host: o.address, port: o.port });
    let timer = setTimeout(onTimeout, o.timeoutMs);
    function finish(outcome: ProbeOutcome, error?: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.outcome = outcome;
      r.ok = outcome === 'ok';
      r.latencyMs = since();
      if (error) r.error = error.slice(0, 500);
      secure?.destroy();
      socket.destroy();
      resolve(r);
    }
    function onTimeout() {
      finish(phase === 'tcp' ? 'tcp_timeout' : phase === 'tls' ? 'tls_error' : 'http_timeout', `no ${phase === 'tcp' ? 'TCP connection' : phase === 'tls' ? 'TLS handshake' : 'HTTP status line'} within ${o.timeoutMs} ms`);
    }
    function restartTimer() {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, o.timeoutMs);
    }
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (phase === 'tcp') finish(tcpOutcome(err.code), `${err.code ?? ''} ${err.message}`.trim());
    });
    socket.once('connect', () => {
      r.connectMs = since();
      phase = 'tls';
      restartTimer();
      secure = tls.connect({ socket, servername: o.domain, ALPNProtocols: ['http/1.1'], ...(o.ca ? { ca: o.ca } : {}) });
      secure.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code;
        if (code === 'ECONNRESET' || code === 'EPIPE') finish('tcp_reset', `${code} during ${phase === 'tls' ? 'the TLS handshake' : 'the HTTP request'}`);
        else if (phase === 'tls') finish('tls_error', `${code ?? ''} ${err.message}`.trim());
        else finish('error', `${code ?? ''} ${err.message}`.trim());
      });
      secure.once('secureConnect', () => {
        r.tlsMs = since() - (r.connectMs ?? 0);
        phase = 'http';
        restartTimer();
        const sentAt = since();
        let head = '';
        secure!.on('data', (chunk: Buffer) => {
          head += chunk.toString('latin1');
          const eol = head.indexOf('\r\n');
          if (eol < 0 && head.length < 8192) return;
          const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
          if (!m) return finish('error', `not an HTTP status line: ${JSON.stringify(head.slice(0, 60))}`);
          r.firstByteMs = since() - sentAt;
          r.httpStatus = Number(m[1]);
          finish(r.httpStatus >= 500 ? 'http_5xx' : 'ok');
        });
        secure!.once('end', () => finish('tcp_reset', 'the server closed the connection before a status line'));
        secure!.write(`GET / HTTP/1.1\r\nHost: ${o.domain}\r\nUser-Agent: downradar-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
      });
    });
  });
}
