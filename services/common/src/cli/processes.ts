/**
 * Starting and stopping downradar's service processes together (npm start, npm run demo, system
 * and browser tests). Each service is its own process, as in production; this only supervises.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoRoot } from '../lifecycle';

export interface ServiceSpec {
  name: string;
  /** URL that answers 200 once the service is ready, if it has one. */
  health?: string;
}

export const SERVICES: ServiceSpec[] = [
  { name: 'ingest', health: 'http://127.0.0.1:8081/readyz' },
  { name: 'detector', health: 'http://127.0.0.1:8084/healthz' },
  { name: 'sink', health: 'http://127.0.0.1:8082/healthz' },
  { name: 'api', health: 'http://127.0.0.1:8080/healthz' },
  { name: 'notifier', health: 'http://127.0.0.1:8083/healthz' },
];

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
  healthTimeoutMs?: number;
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
  const wanted = SERVICES.filter((s) => !opts.only || opts.only.includes(s.name));
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
  const deadline = Date.now() + (opts.healthTimeoutMs ?? 90_000);
  await Promise.all(
    running.map(async (r) => {
      const spec = wanted.find((w) => w.name === r.name)!;
      if (!spec.health) return;
      let exitCode: number | null | undefined;
      void r.exited.then((c) => (exitCode = c));
      for (;;) {
        if (exitCode !== undefined) throw new Error(`${r.name} exited with code ${exitCode} before it was ready (see its output above)`);
        try {
          const res = await fetch(spec.health, { signal: AbortSignal.timeout(2000) });
          if (res.ok) return;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`${r.name} did not become ready at ${spec.health}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    }),
  );
  return running;
}

/** SIGTERM every service, wait for the drains, SIGKILL what is left after the timeout. */
export async function stopServices(running: Running[], timeoutMs = 20_000): Promise<void> {
  for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  }, timeoutMs);
  await Promise.all(running.map((r) => r.exited));
  clearTimeout(timer);
}
