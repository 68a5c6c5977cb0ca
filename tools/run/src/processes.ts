/**
 * Starting and stopping downradar's service processes together (npm start, npm run demo, system
 * and browser tests). Each service is its own process, as in production; this only supervises.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoRoot } from '@downradar/common';

export interface ServiceSpec {
  name: string;
  /** The variable that sets its HTTP port, and the default. */
  portVar: string;
  defaultPort: number;
  /** Path that answers 200 once the service is ready. */
  healthPath: string;
  /** Started only when this says so (default: always). */
  wanted?: (env: NodeJS.ProcessEnv) => boolean;
}

export const SERVICES: ServiceSpec[] = [
  { name: 'ingest', portVar: 'DOWNRADAR_INGEST_PORT', defaultPort: 8081, healthPath: '/readyz' },
  { name: 'detector', portVar: 'DOWNRADAR_DETECTOR_PORT', defaultPort: 8084, healthPath: '/healthz' },
  { name: 'sink', portVar: 'DOWNRADAR_SINK_PORT', defaultPort: 8082, healthPath: '/healthz' },
  { name: 'api', portVar: 'DOWNRADAR_API_PORT', defaultPort: 8080, healthPath: '/healthz' },
  { name: 'notifier', portVar: 'DOWNRADAR_NOTIFIER_PORT', defaultPort: 8083, healthPath: '/healthz' },
  // The live sources reach the internet: started only when DOWNRADAR_SOURCES names some.
  { name: 'sources', portVar: 'DOWNRADAR_SOURCES_PORT', defaultPort: 8085, healthPath: '/healthz', wanted: (env) => (env.DOWNRADAR_SOURCES ?? '').trim() !== '' },
];

/** Where a service listens, given the environment it is started with. */
export function serviceUrl(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const spec = SERVICES.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown service ${name}`);
  return `http://127.0.0.1:${env[spec.portVar] ?? spec.defaultPort}`;
}

export interface Running {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface StartOptions {
  only?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where each line of a service's output goes. */
  onLine?: (service: string, line: string) => void;
  /**
   * How long the services may take to get ready (default DOWNRADAR_START_TIMEOUT_MS, else 5 min: on
   * a loaded machine six Node processes compile and connect slowly). A service that exits is
   * reported at once, whatever this says.
   */
  healthTimeoutMs?: number;
  /** Called every 15 s while some services are not ready yet, with their names. */
  onWaiting?: (notReady: string[], elapsedMs: number) => void;
}

/** The default wait for readiness: DOWNRADAR_START_TIMEOUT_MS or 5 minutes. */
export function startTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.DOWNRADAR_START_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 300_000;
}

/** Pino JSON lines become "level message key=value" for people; other lines pass through. */
export function humanLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const levels: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
    const { level, msg, time: _t, service: _s, pid: _p, hostname: _h, name: _n, ...rest } = o;
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${levels[level as number] ?? level} ${msg ?? ''}${extra ? ' ' + extra : ''}`;
  } catch {
    return line;
  }
}

export async function startServices(opts: StartOptions = {}): Promise<Running[]> {
  const env = { ...process.env, ...opts.env };
  const wanted = SERVICES.filter((s) => (!opts.only || opts.only.includes(s.name)) && (s.wanted?.(env) ?? true));
  const running: Running[] = [];
  for (const s of wanted) {
    const main = `${repoRoot}/services/${s.name}/src/main.ts`;
    if (!existsSync(main)) {
      opts.onLine?.(s.name, `not started: ${main} does not exist yet`);
      continue;
    }
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n')) if (line.trim()) opts.onLine?.(s.name, humanLine(line));
    };
    child.stdout!.on('data', forward);
    child.stderr!.on('data', forward);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    running.push({ name: s.name, child, exited });
  }
  const deadline = Date.now() + (opts.healthTimeoutMs ?? startTimeoutMs(env));
  // A service that never gets ready must not leave the ones already started running on their own
  // (the caller gets no list of them to stop): they are stopped before the error is passed on.
  await waitUntilReady(running, wanted, opts, deadline).catch(async (err: unknown) => {
    await stopServices(running);
    throw err;
  });
  return running;
}

async function waitUntilReady(running: Running[], wanted: readonly { name: string; healthPath: string }[], opts: StartOptions, deadline: number): Promise<void> {
  const t0 = Date.now();
  const notReady = new Set(running.map((r) => r.name));
  const progress = setInterval(() => {
    if (notReady.size > 0) opts.onWaiting?.([...notReady], Date.now() - t0);
  }, 15_000);
  try {
    await waitEach(running, wanted, opts, deadline, notReady);
  } finally {
    clearInterval(progress);
  }
}

async function waitEach(running: Running[], wanted: readonly { name: string; healthPath: string }[], opts: StartOptions, deadline: number, notReady: Set<string>): Promise<void> {
  await Promise.all(
    running.map(async (r) => {
      const spec = wanted.find((w) => w.name === r.name)!;
      const health = serviceUrl(spec.name, { ...process.env, ...opts.env }) + spec.healthPath;
      let exitCode: number | null | undefined;
      void r.exited.then((c) => (exitCode = c));
      for (;;) {
        if (exitCode !== undefined) throw new Error(`${r.name} exited with code ${exitCode} before it was ready (see its output above)`);
        try {
          const res = await fetch(health, { signal: AbortSignal.timeout(2000) });
          if (res.ok) {
            notReady.delete(r.name);
            return;
          }
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`${r.name} did not become ready at ${health} within ${Math.round((opts.healthTimeoutMs ?? startTimeoutMs({ ...process.env, ...opts.env })) / 1000)} s (DOWNRADAR_START_TIMEOUT_MS)`);
        await new Promise((res) => setTimeout(res, 250));
      }
    }),
  );
}

export interface Stopped {
  name: string;
  /** The exit code (0: drained and stopped cleanly), or null when a signal ended it. */
  code: number | null;
  /** Set when the process did not exit within the timeout and was killed. */
  killed: boolean;
}

/**
 * SIGTERM every service still running, once, wait for the drains, SIGKILL what is left after
 * the timeout. A service that already drains (a Ctrl-C reached it from the terminal) takes this
 * SIGTERM as the same request (services/common/src/lifecycle.ts).
 */
export async function stopServices(running: Running[], timeoutMs = 20_000): Promise<Stopped[]> {
  const killed = new Set<string>();
  for (const r of running) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const r of running)
      if (r.child.exitCode === null && r.child.signalCode === null) {
        killed.add(r.name);
        r.child.kill('SIGKILL');
      }
  }, timeoutMs);
  const codes = await Promise.all(running.map((r) => r.exited));
  clearTimeout(timer);
  return running.map((r, i) => ({ name: r.name, code: codes[i] ?? null, killed: killed.has(r.name) }));
}

/** One line for people: which services drained and stopped cleanly, and which did not. */
export function describeStopped(stopped: Stopped[], ms: number): string {
  const clean = stopped.filter((s) => s.code === 0 && !s.killed).map((s) => s.name);
  const other = stopped
    .filter((s) => !(s.code === 0 && !s.killed))
    .map((s) => (s.killed ? `${s.name} killed after the timeout` : `${s.name} exited with ${s.code ?? 'a signal'} (forced or failed, see its output above)`));
  const took = `${(ms / 1000).toFixed(1)} s`;
  if (other.length === 0) return `all ${clean.length} services drained and stopped cleanly in ${took}.`;
  return `${clean.length ? `${clean.join(', ')} drained and stopped cleanly; ` : ''}${other.join('; ')} (${took}).`;
}
