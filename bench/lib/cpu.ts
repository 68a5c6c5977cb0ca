/**
 * CPU time, the figure a shared machine does not bend as much as wall time: when twenty other
 * processes want the two cores, a single-threaded Node process gets a smaller share than a
 * multi-threaded server, and a wall-clock ratio says more about the scheduler than about the code.
 * The benchmarks therefore also print CPU microseconds per event of each side (the service's
 * processes plus what the broker and ClickHouse spent meanwhile), from /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from './processes';

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const DATA_DIR = process.env.DOWNRADAR_DATA_DIR ?? `${REPO_ROOT}/.data`;

/** utime + stime of a process, in seconds (0 when it is gone). */
export function processCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU seconds of a process and every process below it. */
export function treeCpuS(rootPid: number): number {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const pid of parent.keys()) {
    for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 10; p = parent.get(p), depth++) {
      if (p === rootPid) {
        total += processCpuS(pid);
        break;
      }
    }
  }
  return total;
}

function pidFromFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The stack's servers (this checkout's broker and ClickHouse), for what they spend on a run. */
export function serverPids(): { kafka?: number; clickhouse?: number } {
  return { kafka: pidFromFile(`${DATA_DIR}/kafka/kafka.pid`), clickhouse: pidFromFile(`${DATA_DIR}/clickhouse/clickhouse.pid`) };
}

/** A meter of the servers' CPU: read() gives the seconds they spent since it was made. */
export function serverCpuMeter(): { read(): { kafkaS: number; clickhouseS: number } } {
  const pids = serverPids();
  const k0 = pids.kafka ? processCpuS(pids.kafka) : 0;
  const c0 = pids.clickhouse ? processCpuS(pids.clickhouse) : 0;
  return {
    read: () => ({
      kafkaS: (pids.kafka ? processCpuS(pids.kafka) : 0) - k0,
      clickhouseS: (pids.clickhouse ? processCpuS(pids.clickhouse) : 0) - c0,
    }),
  };
}

/**
 * Runs a command to its end and returns its wall time and the CPU it and its children used
 * (through a shell that reads its own cutime + cstime once the command was waited for).
 */
export function runMeasured(cmd: string, args: string[], opts: { stdinFile?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string; ms: number; cpuS: number }> {
  const script = '"$@" || exit $?; read -r -a s < /proc/$$/stat; echo "__CPU__ ${s[15]} ${s[16]}" >&2';
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', script, 'measured', cmd, ...args], { stdio: [opts.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    if (opts.stdinFile) {
      child.stdin!.on('error', () => undefined);
      import('node:fs').then(({ createReadStream }) => createReadStream(opts.stdinFile!).pipe(child.stdin!));
    }
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const m = stderr.match(/__CPU__ (\d+) (\d+)/);
      if (code === 0 && m) resolve({ stdout, stderr: stderr.replace(/__CPU__.*\n?/, ''), ms, cpuS: (Number(m[1]) + Number(m[2])) / TICKS_PER_S });
      else reject(new Error(`${cmd} ${args.slice(-6).join(' ')} exited ${code ?? signal}: ${stderr.slice(-2000)}`));
    });
  });
}

/** The machine's CPU time so far from /proc/stat's first line, in seconds: busy and all (busy + idle). */
export function machineCpuS(statText?: string): { busyS: number; totalS: number; cores: number } {
  const text = statText ?? readFileSync('/proc/stat', 'utf8');
  const cpu = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!cpu) throw new Error('/proc/stat has no aggregate "cpu" line');
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  const all = busy + idle! + (iowait ?? 0);
  const cores = text.split('\n').filter((l) => /^cpu\d+ /.test(l)).length || 1;
  return { busyS: busy / TICKS_PER_S, totalS: all / TICKS_PER_S, cores };
}

/** What a CPU account reads at one moment: each named process tree's CPU seconds, this process's, the machine's. */
export interface CpuSnapshot {
  atMs: number;
  /** CPU seconds of each named process and its children (services, broker, ClickHouse) */
  processes: Record<string, number>;
  /** this process (the load generator), user + system seconds */
  selfS: number;
  machine: { busyS: number; totalS: number; cores: number };
}

export function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  const processes: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) processes[name] = pid === undefined ? NaN : treeCpuS(pid);
  const self = process.cpuUsage();
  return { atMs: performance.now(), processes, selfS: (self.user + self.system) / 1e6, machine: machineCpuS() };
}

/** Where the CPU of a run went, between two snapshots. */
export interface CpuAccount {
  wallS: number;
  cores: number;
  /** CPU seconds of each named process tree over the run */
  processesS: Record<string, number>;
  /** the load generator (this process) */
  generatorS: number;
  /** the named processes together (the pipeline), without the generator */
  pipelineS: number;
  /** busy CPU of the whole machine not spent by the pipeline or the generator: other work on the machine */
  othersS: number;
  /** the machine's busy share over the run: busy CPU seconds / (cores x wall) */
  machineBusyShare: number;
  /** share of cores x wall that was idle */
  idleS: number;
  pipelineCpuUsPerEvent: number;
  generatorCpuUsPerEvent: number;
}

/**
 * The account of a run from two snapshots: each process's CPU seconds, the pipeline's sum (the named
 * processes: every service, the broker, ClickHouse) apart from the generator (this process), what
 * the rest of the machine used, and how busy the machine was. A machine busy share near 1 means the
 * run was bound by CPU (its own or others'); well below 1 with no process near a whole core of its
 * own means the pipeline was waiting on something else (round trips, one request in flight).
 */
export function cpuAccount(before: CpuSnapshot, after: CpuSnapshot, events: number): CpuAccount {
  const wallS = (after.atMs - before.atMs) / 1000;
  const processesS: Record<string, number> = {};
  for (const name of Object.keys(after.processes)) processesS[name] = after.processes[name]! - (before.processes[name] ?? 0);
  const pipelineS = Object.values(processesS).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const generatorS = after.selfS - before.selfS;
  const busyS = after.machine.busyS - before.machine.busyS;
  const totalS = after.machine.totalS - before.machine.totalS;
  return {
    wallS,
    cores: after.machine.cores,
    processesS,
    generatorS,
    pipelineS,
    othersS: Math.max(0, busyS - pipelineS - generatorS),
    machineBusyShare: totalS > 0 ? busyS / totalS : NaN,
    idleS: Math.max(0, totalS - busyS),
    pipelineCpuUsPerEvent: events > 0 ? (pipelineS * 1e6) / events : NaN,
    generatorCpuUsPerEvent: events > 0 ? (generatorS * 1e6) / events : NaN,
  };
}
