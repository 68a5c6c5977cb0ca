import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./testing/fixtures/clustered-service.ts', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Health {
  ok: boolean;
  status: string;
  processes: number;
  workers: { ok: boolean; pid: number; index: number; fromPrimary: string | null }[];
}

let primary: ChildProcess | undefined;
afterEach(() => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
});

describe('a service run as several processes (cluster.ts, through runService and opsRoutes)', () => {
  it('does the once-only work in the primary, shares one port among its workers, sums their metrics, reports every worker, forks a dead one again and stops on SIGTERM', async () => {
    const port = await freePort();
    primary = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: { ...process.env, DOWNRADAR_TEST_PORT: String(port), DOWNRADAR_TEST_PROCESSES: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    primary.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    primary.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => primary!.on('exit', (code) => r(code)));
    await until('two workers listening', async () => ((out.match(/listening/g) ?? []).length >= 2 ? true : undefined));
    const url = `http://127.0.0.1:${port}`;
    let healthCalls = 0;
    const health = async () => {
      const res = await fetch(`${url}/healthz`);
      healthCalls++; // answered, so counted by the worker that served it
      return res.json() as Promise<Health>;
    };

    // A worker may be slow to answer the primary just after it started (a busy machine): wait until both have.
    const first = await until('both workers answering', async () => {
      const h = await health();
      return h.workers.length === 2 ? h : undefined;
    });
    expect(first.ok).toBe(true);
    expect(first.status).toBe('2 of 2 workers ok');
    expect(first.processes).toBe(2);
    // The primary did its work once, before the workers, and gave them its variables.
    expect((out.match(/before fork/g) ?? []).length).toBe(1);
    expect(first.workers.map((w) => w.fromPrimary)).toEqual(['yes', 'yes']);
    const pids = first.workers.map((w) => w.pid).sort();
    expect(new Set(pids).size).toBe(2);
    expect(first.workers.map((w) => w.index).sort()).toEqual([0, 1]);

    // Connections are handed round robin: both workers serve.
    const servedBy = new Set<number>();
    for (let i = 0; i < 20; i++) servedBy.add(Number(await (await fetch(url, { headers: { connection: 'close' } })).text()));
    expect([...servedBy].sort()).toEqual(pids);

    // Every worker's counter, summed: the /healthz requests + 20 + this /metrics request.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^test_served_total\\{service="clustered-test"\\} ${healthCalls + 21}$`, 'm'));

    // A worker that dies is forked again; the service is whole again without a restart.
    process.kill(pids[0]!, 'SIGKILL');
    const healed = await until('the dead worker forked again', async () => {
      const h = await health();
      return h.ok && h.workers.length === 2 && !h.workers.some((w) => w.pid === pids[0]) ? h : undefined;
    });
    const now = healed.workers.map((w) => w.pid);
    expect(now).toContain(pids[1]);

    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of now) expect(alive(pid)).toBe(false);
  });
});
