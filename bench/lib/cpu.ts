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
