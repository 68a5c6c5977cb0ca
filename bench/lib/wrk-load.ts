/**
 * Single POSTs driven by wrk (Debian's package; installed by infra/setup.sh), the native load
 * generator of bench:ingest's single-POST figures: `concurrency` keep-alive connections, closed
 * loop, each request with its own body (bench/lib/wrk-post.lua), for a fixed time.
 *
 * Why: the generator shares the two cores with what it measures. node's http client
 * (http-load.ts) spent 130-200 µs of CPU a request on this machine (session 11) and the lean
 * raw-socket one (raw-http-load.ts) 36-67, as much as the hello-world peer they drove; wrk spent
 * 21-34 µs in session 15, most of it its Lua request() (its own CPU is `loaderCpuUs`, from /proc,
 * in every result). The node loaders stay as
 * the fallback when wrk is not installed (`singleLoader()` says which one runs).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMeasured } from './cpu';
import { REPO_ROOT } from './processes';

export interface WrkResult {
  perS: number;
  p50: number;
  p99: number;
  /** Requests answered (wrk's count; the run's in-flight requests at its end are not). */
  requests: number;
  seconds: number;
  /** Answers >= 400, and connect/read/write errors and timeouts. */
  notAccepted: number;
  firstBad?: string;
  shed: number;
  /** wrk's own CPU (user + system, from /proc) a request, µs. */
  loaderCpuUs: number;
}

/** The path of wrk, or null when it is not installed. */
export function wrkPath(): string | null {
  try {
    return execFileSync('bash', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export type SingleLoader = 'wrk' | 'node';

/**
 * The single-POST load generator: wrk when installed, else node's http client with a message
 * saying how to get wrk. DOWNRADAR_BENCH_LOADER=node (or raw) forces the node client.
 */
export function singleLoader(): SingleLoader {
  const asked = process.env.DOWNRADAR_BENCH_LOADER;
  if (asked === 'node' || asked === 'raw') return 'node';
  if (wrkPath()) return 'wrk';
  console.log('wrk not found: single POSTs are driven by node\'s http client (costs 100-200 µs of CPU a request on the same cores); `npm run setup` (or apt-get install -y wrk) installs it');
  return 'node';
}

/** The text of one WRK_RESULT line (wrk-post.lua's done()), as numbers. */
export function parseWrkResult(stdout: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result: ${stdout.slice(-1000)}`);
  const out: Record<string, number> = {};
  for (const kv of line.slice('WRK_RESULT '.length).trim().split(/\s+/)) {
    const [k, v] = kv.split('=');
    out[k!] = Number(v);
  }
  return out;
}

/**
 * `seconds` of single POSTs over `concurrency` keep-alive connections with wrk. Request i sends
 * `template(i mod period)` with every "{i}" replaced by i (so each body has its own id).
 */
export async function wrkSingleLoad(o: {
  port: number;
  path: string;
  seconds: number;
  concurrency: number;
  /** A body with "{i}" where the request's number goes; `period` templates, used in turn. */
  template: (k: number) => string;
  period: number;
  headers?: Record<string, string>;
  threads?: number;
}): Promise<WrkResult> {
  const threads = o.threads ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'downradar-wrk-'));
  try {
    const templates = Array.from({ length: o.period }, (_, k) => o.template(k));
    for (const t of templates) if (t.includes('\n')) throw new Error('a wrk body template must be one line');
    writeFileSync(join(dir, 'templates'), templates.join('\n') + '\n');
    const headers = { 'content-type': 'application/json', ...o.headers };
    writeFileSync(join(dir, 'headers'), Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join(''));
    const args = ['-t', String(threads), '-c', String(o.concurrency), '-d', `${o.seconds}s`, '--timeout', '30s', '-s', `${REPO_ROOT}/bench/lib/wrk-post.lua`, `http://127.0.0.1:${o.port}${o.path}`, '--', join(dir, 'templates'), join(dir, 'headers'), String(threads)];
    const r = await runMeasured('wrk', args, { timeoutMs: (o.seconds + 60) * 1000 });
    const w = parseWrkResult(r.stdout);
    const requests = w.requests!;
    const seconds = w.duration_us! / 1e6;
    const bad = w.status_errors! + w.connect_errors! + w.read_errors! + w.write_errors! + w.timeouts!;
    return {
      perS: requests / seconds,
      p50: w.p50_us! / 1000,
      p99: w.p99_us! / 1000,
      requests,
      seconds,
      notAccepted: bad,
      ...(bad ? { firstBad: `wrk: ${w.status_errors} answers >= 400, ${w.connect_errors} connect, ${w.read_errors} read, ${w.write_errors} write errors, ${w.timeouts} timeouts (the node loader, DOWNRADAR_BENCH_LOADER=node, shows the answers)` } : {}),
      shed: 0,
      loaderCpuUs: requests ? (r.cpuS * 1e6) / requests : 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
