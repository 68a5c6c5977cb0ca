/**
 * A service as several processes, to use every core (issue 17): one setting per service
 * (DOWNRADAR_INGEST_PROCESSES, DOWNRADAR_DETECTOR_PROCESSES, DOWNRADAR_SINK_PROCESSES).
 *
 * The process started by the user becomes a small primary (node:cluster) that forks that many
 * workers of the same entry script and does no work of its own:
 *  - every worker is the whole service: consumers join the same consumer group (Kafka shares the
 *    partitions among them), HTTP servers share the port (the primary hands connections round robin);
 *  - /metrics answered by any worker is the sum over all workers (prom-client's AggregatorRegistry,
 *    through the primary), and /healthz, /readyz are ok only when every worker's is;
 *  - a worker that dies is forked again (crash-only: a consumer that cannot restore its state
 *    exits on purpose); five deaths within a minute stop the service, exit code 1;
 *  - SIGTERM / SIGINT to the primary are passed to every worker, each drains as a single process
 *    would, and the primary exits when the last one did. If the primary itself is killed, the
 *    workers see their IPC channel close and exit at once (node:cluster), as a crash would.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from './logger';

export interface ClusterRole {
  /** This process forks workers and does nothing else. */
  primary: boolean;
  /** 0-based index of this worker (0 when not clustered). */
  index: number;
  /** How many processes the service runs as. */
  processes: number;
}

const INDEX_ENV = 'DOWNRADAR_WORKER_INDEX';

/** Whether this process is the primary of a clustered service, a worker of one, or alone. */
export function clusterRole(processes: number): ClusterRole {
  if (processes <= 1) return { primary: false, index: 0, processes: 1 };
  if (cluster.isPrimary) return { primary: true, index: -1, processes };
  return { primary: false, index: Number(process.env[INDEX_ENV] ?? 0), processes };
}

/** A liveness or readiness answer (common/http's opsRoutes serves it: 200 when ok, 503 otherwise). */
export interface HealthReport {
  ok: boolean;
  /** One word or a short phrase: `ok`, `starting`, `stopping`, `kafka unreachable`, ... */
  status: string;
  [key: string]: unknown;
}

type Ask = { type: 'downradar:ask'; id: number; what: 'health' | 'ready' };
type Answer = { type: 'downradar:answer'; id: number; report: HealthReport };
type ClusterAsk = { type: 'downradar:cluster-ask'; id: number; what: 'health' | 'ready' | 'metrics' };
type ClusterAnswer = { type: 'downradar:cluster-answer'; id: number; report?: HealthReport; metrics?: string; error?: string };

/**
 * In the primary: fork the workers and supervise them until a signal stops the service.
 * Resolves with the exit code when every worker has exited after a stop.
 */
export function runPrimary(o: {
  name: string;
  processes: number;
  logger: Logger;
  /** Variables the workers get on top of the primary's environment. */
  env?: Record<string, string>;
  stopTimeoutMs?: number;
}): Promise<number> {
  const { logger } = o;
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, Worker>();
  const deaths: number[] = [];
  let stopping = false;
  let exitCode = 0;
  let nextAsk = 1;
  const asks = new Map<number, { pending: number; reports: HealthReport[]; done(r: HealthReport): void }>();

  const fork = (index: number) => {
    const worker = cluster.fork({ ...o.env, [INDEX_ENV]: String(index) });
    slots.set(index, worker);
    worker.on('message', (m: Answer | ClusterAsk) => onMessage(worker, m));
    worker.on('exit', (code, signal) => {
      if (slots.get(index) === worker) slots.delete(index);
      if (stopping) {
        if (slots.size === 0) finish();
        return;
      }
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && now - deaths[0]! > 60_000) deaths.shift();
      if (deaths.length >= 5) {
        logger.fatal({ worker: index, code, signal }, `${o.name}: workers keep dying (5 in a minute); stopping`);
        exitCode = 1;
        stop();
        return;
      }
      logger.error({ worker: index, code, signal }, `${o.name}: worker ${index} exited; forking it again`);
      setTimeout(() => !stopping && fork(index), 1000).unref();
    });
  };

  /** Every worker's own report, combined: ok only when all are. */
  const askAll = (what: 'health' | 'ready'): Promise<HealthReport> =>
    new Promise((resolve) => {
      const workers = [...slots.values()].filter((w) => w.isConnected());
      const combine = (reports: HealthReport[]): HealthReport => ({
        ok: reports.length === o.processes && reports.every((r) => r.ok),
        status: `${reports.filter((r) => r.ok).length} of ${o.processes} workers ok`,
        processes: o.processes,
        workers: reports,
      });
      if (workers.length === 0) return resolve(combine([]));
      const id = nextAsk++;
      const timer = setTimeout(() => {
        asks.delete(id);
        resolve(combine(entry.reports));
      }, 2000);
      const entry = {
        pending: workers.length,
        reports: [] as HealthReport[],
        done: (r: HealthReport) => {
          entry.reports.push(r);
          if (--entry.pending === 0) {
            clearTimeout(timer);
            asks.delete(id);
            resolve(combine(entry.reports));
          }
        },
      };
      asks.set(id, entry);
      for (const w of workers) w.send({ type: 'downradar:ask', id, what } satisfies Ask);
    });

  function onMessage(worker: Worker, m: Answer | ClusterAsk): void {
    if (m?.type === 'downradar:answer') asks.get(m.id)?.done(m.report);
    if (m?.type === 'downradar:cluster-ask') {
      const reply = (a: Omit<ClusterAnswer, 'type' | 'id'>) => worker.isConnected() && worker.send({ type: 'downradar:cluster-answer', id: m.id, ...a } satisfies ClusterAnswer);
      if (m.what === 'metrics')
        aggregator.clusterMetrics().then(
          (metrics) => reply({ metrics }),
          (err: Error) => reply({ error: err.message }),
        );
      else void askAll(m.what).then((report) => reply({ report }));
    }
  }

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let forced: NodeJS.Timeout | undefined;
  function finish(): void {
    clearTimeout(forced);
    logger.info(`${o.name}: every worker stopped`);
    resolveDone(exitCode);
  }
  function stop(): void {
    if (stopping) return;
    stopping = true;
    if (slots.size === 0) return finish();
    for (const w of slots.values()) w.process.kill('SIGTERM');
    forced = setTimeout(() => {
      logger.error(`${o.name}: workers did not stop in time; killing them`);
      for (const w of slots.values()) w.process.kill('SIGKILL');
    }, o.stopTimeoutMs ?? 60_000);
    forced.unref();
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < o.processes; i++) fork(i);
  logger.info({ processes: o.processes }, `${o.name}: ${o.processes} worker processes`);
  return done;
}

// ---------------------------------------------------------------------------------------------
// In a worker (or a single process: then everything is local).

let nextClusterAsk = 1;
const clusterAsks = new Map<number, (a: ClusterAnswer) => void>();

/**
 * In a worker: let the primary aggregate this registry's metrics and ask this process's health and
 * readiness. A no-op outside a cluster.
 */
export function joinCluster(o: { registry: Registry; health(): HealthReport | Promise<HealthReport>; ready(): HealthReport | Promise<HealthReport> }): void {
  if (!cluster.isWorker) return;
  new AggregatorRegistry(); // installs prom-client's worker-side listener
  AggregatorRegistry.setRegistries([o.registry]);
  process.on('message', (m: Ask | ClusterAnswer) => {
    if (m?.type === 'downradar:ask') {
      void Promise.resolve(m.what === 'health' ? o.health() : o.ready())
        .catch((err: Error): HealthReport => ({ ok: false, status: 'check failed', error: err.message }))
        .then((report) => process.send?.({ type: 'downradar:answer', id: m.id, report: { worker: Number(process.env[INDEX_ENV] ?? 0), ...report } } satisfies Answer));
    }
    if (m?.type === 'downradar:cluster-answer') clusterAsks.get(m.id)?.(m);
  });
}

function askPrimary(what: ClusterAsk['what']): Promise<ClusterAnswer> {
  return new Promise((resolve, reject) => {
    const id = nextClusterAsk++;
    const timer = setTimeout(() => {
      clusterAsks.delete(id);
      reject(new Error(`the primary did not answer (${what})`));
    }, 5000);
    clusterAsks.set(id, (a) => {
      clearTimeout(timer);
      clusterAsks.delete(id);
      resolve(a);
    });
    process.send!({ type: 'downradar:cluster-ask', id, what } satisfies ClusterAsk);
  });
}

/** The service's metrics: this process's, or in a cluster the sum over every worker. */
export async function serviceMetrics(registry: Registry): Promise<string> {
  if (!cluster.isWorker) return registry.metrics();
  const a = await askPrimary('metrics');
  if (a.error !== undefined || a.metrics === undefined) throw new Error(a.error ?? 'no metrics');
  return a.metrics;
}

/** The service's health or readiness: `local` (this process's), or in a cluster every worker's (ok when all are). */
export async function serviceReport(what: 'health' | 'ready', local: () => HealthReport | Promise<HealthReport>): Promise<HealthReport> {
  if (!cluster.isWorker) return local();
  const a = await askPrimary(what);
  return a.report ?? { ok: false, status: 'no answer from the primary', error: a.error ?? 'no answer' };
}
