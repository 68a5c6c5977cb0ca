import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './testing/index';

const FIXTURE = fileURLToPath(new URL('./testing/fixtures/clustered-service.ts', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Starting a Node process with tsx takes tens of seconds on a loaded machine: wait on the data, long.
async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
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
  processes: number;
  workers: { ok: boolean; pid: number; index: number }[];
}

let primary: ChildProcess | undefined;
afterEach(() => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
});

describe('a service run as several processes (cluster.ts)', () => {
  it('shares one port among its workers, sums their metrics, reports every worker, forks a dead one again and stops on SIGTERM', async () => {
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
    const health = async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(20_000) })).json() as Promise<Health>;

    const first = await health();
    expect(first.ok).toBe(true);
    expect(first.processes).toBe(2);
    const pids = first.workers.map((w) => w.pid).sort();
    expect(new Set(pids).size).toBe(2);
    expect(first.workers.map((w) => w.index).sort()).toEqual([0, 1]);

    // Connections are handed round robin: both workers serve.
    const servedBy = new Set<number>();
    for (let i = 0; i < 20; i++) servedBy.add(Number(await (await fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(20_000) })).text()));
    expect([...servedBy].sort()).toEqual(pids);

    // Every worker's counter, summed: 1 /healthz + 20 + this /metrics request.
    const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(20_000) })).text();
    expect(metrics).toMatch(/^test_served_total\{service="clustered-test"\} 22$/m);

    // A worker that dies is forked again; the service is whole again without a restart.
    process.kill(pids[0]!, 'SIGKILL');
    const healed = await until('the dead worker forked again', async () => {
      const h = await health();
      return h.ok && h.workers.length === 2 && !h.workers.some((w) => w.pid === pids[0]) ? h : undefined;
    });
    const now = healed.workers.map((w) => w.pid);
    expect(now).toContain(pids[1]);

    primary.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 120_000))]);
    expect(code, out.slice(-3000)).toBe(0);
    for (const pid of now) expect(alive(pid)).toBe(false);
  }, 300_000);
});
