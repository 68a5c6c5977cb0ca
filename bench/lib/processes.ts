/** Start a service as its own process for a benchmark, and wait until it answers. */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/**
 * What an ingest process gets in a benchmark: the run's topic prefix, the bench's API key (as its
 * hash, with the feed role), rate limits no benchmark reaches, and warnings only in its log.
 */
export function benchIngestEnv(prefix: string, apiKeyHash: string): NodeJS.ProcessEnv {
  return {
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_API_KEY_HASHES: `${apiKeyHash}:feed`,
    DOWNRADAR_REPORTS_PER_IP_PER_MINUTE: '10000000',
    DOWNRADAR_REPORTS_PER_REPORTER_PER15_MIN: '1000000',
    DOWNRADAR_LOG_LEVEL: 'warn',
  };
}

/**
 * DOWNRADAR_BENCH_CPU_PROF=<dir> starts the service under `node --cpu-prof` (a .cpuprofile per
 * process in <dir>/<name>, written when it exits: open it in Chrome's DevTools or speedscope) to see
 * which stage bounds a figure. DOWNRADAR_BENCH_SERVICE_IMPORT=<module> replaces `--import tsx` (an
 * experiment: ./bench/lib/no-keep-names.mjs).
 */
export async function startServiceProcess(name: string, env: NodeJS.ProcessEnv, readyUrl: string, timeoutMs = 60_000): Promise<ChildProcess> {
  const profDir = process.env.DOWNRADAR_BENCH_CPU_PROF;
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}/${name}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', process.env.DOWNRADAR_BENCH_SERVICE_IMPORT ?? 'tsx', `${REPO_ROOT}/services/${name}/src/main.ts`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The service's own output goes to .data/logs/bench-<name>.log for a look after the run.
  mkdirSync(`${REPO_ROOT}/.data/logs`, { recursive: true });
  const log = createWriteStream(`${REPO_ROOT}/.data/logs/bench-${name}.log`);
  child.stdout!.pipe(log);
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
    log.write(d);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(readyUrl, { signal: AbortSignal.timeout(1000) })).ok) return child;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready at ${readyUrl}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

export interface ProcessMemory {
  pid: number;
  rssMb: number;
  /** The most the process ever held (VmHWM). */
  peakRssMb: number;
}

function status(pid: number): { ppid: number; rssKb: number; hwmKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const num = (k: string) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
    return { ppid: num('PPid'), rssKb: num('VmRSS'), hwmKb: num('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Memory of a process and of every process below it (a service's workers), from /proc. */
export function processTreeMemory(rootPid: number): ProcessMemory[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = status(Number(entry));
    if (s) parents.set(Number(entry), s.ppid);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 10; p = parents.get(p), depth++) if (p === rootPid) return true;
    return false;
  };
  const out: ProcessMemory[] = [];
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    const s = status(pid);
    if (s) out.push({ pid, rssMb: Math.round(s.rssKb / 1024), peakRssMb: Math.round(s.hwmKb / 1024) });
  }
  return out;
}

const CLOCK_TICKS_PER_S = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, ms) used so far by a process and every process below it, from
 * /proc/<pid>/stat. The difference over a load is what the load cost the service whatever else
 * ran on the machine: a figure that a shared machine disturbs far less than a rate.
 */
export function processTreeCpuMs(rootPid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // fields after "pid (comm) ": state ppid ... utime (14th field) stime (15th)
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  for (const [pid, s] of stats) {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 10; p = stats.get(p)?.ppid, depth++)
      if (p === rootPid) {
        ticks += s.ticks;
        break;
      }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}
