/** Start a service as its own process for a benchmark, and wait until it answers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/**
 * DOWNRADAR_BENCH_CPU_PROF=<dir> starts the service under `node --cpu-prof` (a .cpuprofile per
 * process in <dir>/<name>, written when it exits: open it in Chrome's DevTools or speedscope) to see
 * which stage bounds a figure.
 */
export async function startServiceProcess(name: string, env: NodeJS.ProcessEnv, readyUrl: string, timeoutMs = 60_000): Promise<ChildProcess> {
  const profDir = process.env.DOWNRADAR_BENCH_CPU_PROF;
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}/${name}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', `${REPO_ROOT}/services/${name}/src/main.ts`], {
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
