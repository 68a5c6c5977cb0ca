/**
 * One service shell. Every service has a `config.ts` (its variables: typed, bounded, described),
 * a `create<Name>Service(config, deps)` that wires it and returns `{ start, stop }`, and a
 * `main.ts` that hands both to `runService`, which does the rest the same way for all:
 *   --help                 prints what the service does and every variable it reads
 *   a bad variable         one line naming the variable (from the schema) and what is wrong; exit 1
 *   a setup error          (an unreadable subscriptions file, a catalog that fails its checks, a
 *                          core setting out of range): its message; exit 1
 *   start fails            logged (is Kafka up?), stop() closes what did start; exit 1
 *   SIGINT / SIGTERM       stop(): stop taking work, drain, close clients; the same signal
 *                          again, or a drain longer than the service's drain timeout, forces the exit
 *   several processes      a service with `cluster` may run as N processes (cluster.ts): this
 *                          process becomes the primary, does what must happen once, forks the
 *                          workers and supervises them; each worker runs the service as above
 */
import { clusterRole, runPrimary } from './cluster';
import { ConfigError, describeConfig, loadConfig, type ConfigOf, type ConfigSpec } from './config';
import { onShutdown } from './lifecycle';
import { createLogger, type Logger } from './logger';

export interface Service {
  /** Create what is missing, connect, join the groups, listen. */
  start(): Promise<void>;
  /** Stop taking work, let the work in hand finish and commit, close every client. */
  stop(): Promise<void>;
}

export interface ServiceDeps {
  logger: Logger;
}

export interface ServiceDefinition<S extends ConfigSpec> {
  /** `ingest`, `detector`, ...: the logger's name and the first word of --help. */
  name: string;
  /** One line: what it does. */
  summary: string;
  config: S;
  create(config: ConfigOf<S>, deps: ServiceDeps): Service;
  /** How long stop() may take before the exit is forced (default 15 s). */
  drainTimeoutMs?(config: ConfigOf<S>): number;
  /** A service that can run as several processes (DOWNRADAR_<NAME>_PROCESSES): how. */
  cluster?(config: ConfigOf<S>): ClusterPlan;
}

export interface ClusterPlan {
  /** How many processes; 1 runs the service in this process. */
  processes: number;
  /** Done once, in the primary, before the workers are forked (the sink's migrations). */
  beforeFork?(logger: Logger): Promise<void>;
  /** Variables the workers get on top of this process's environment. */
  workerEnv?: Record<string, string>;
  /** How long the workers may take to stop before they are killed. */
  stopTimeoutMs: number;
}

/** What `npm run start --workspace services/<name> -- --help` prints. */
export function helpText<S extends ConfigSpec>(def: Pick<ServiceDefinition<S>, 'name' | 'summary' | 'config'>): string {
  return `downradar ${def.name}: ${def.summary}\n\nEnvironment (default, meaning):\n${describeConfig(def.config)}`;
}

export async function runService<S extends ConfigSpec>(def: ServiceDefinition<S>, argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText(def));
    process.exit(0);
  }
  let config: ConfigOf<S>;
  let logger: Logger;
  let service: Service;
  try {
    config = loadConfig(def.config, env);
    logger = createLogger(def.name, (config as { logLevel?: string }).logLevel ?? 'info');
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `${def.name}: ${(err as Error).message}`);
    process.exit(1);
  }
  const plan = def.cluster?.(config);
  if (plan !== undefined && clusterRole(plan.processes).primary) {
    try {
      await plan.beforeFork?.(logger);
    } catch (err) {
      logger.fatal({ err: (err as Error).message }, `${def.name} failed to start (is the stack up? npm run stack:status)`);
      process.exit(1);
    }
    process.exit(await runPrimary({ name: def.name, processes: plan.processes, logger, env: plan.workerEnv, stopTimeoutMs: plan.stopTimeoutMs }));
  }
  try {
    service = def.create(config, { logger });
  } catch (err) {
    // Nothing runs yet: say what is wrong in one line, without a stack.
    console.error(err instanceof ConfigError ? err.message : `${def.name}: ${(err as Error).message}`);
    process.exit(1);
  }
  onShutdown(logger, [() => service.stop()], def.drainTimeoutMs?.(config) ?? 15_000);
  try {
    await service.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, `${def.name} failed to start (is the stack up? npm run stack:status)`);
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}
