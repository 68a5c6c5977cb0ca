import cluster from 'node:cluster';
import type { Logger } from './logger';

export interface ShutdownOptions {
  logger: Logger;
  /** Run in order on the first signal: stop taking work, drain, close clients. */
  closers: Array<() => Promise<void>>;
  /** A drain that takes longer than this is cut short (exit 1). */
  timeoutMs?: number;
  exit?: (code: number) => void;
  now?: () => number;
}

/**
 * Graceful shutdown as a function of the signals received: the first SIGINT or SIGTERM drains
 * (runs the closers, says so, exits 0; 1 if a closer failed or the drain took longer than the
 * timeout); the same signal a second time exits at once (exit 1).
 *
 * Only the same signal again forces, because one Ctrl-C in a terminal reaches a service twice
 * when a supervisor runs it (npm start, npm run demo, the system tests): the terminal sends
 * SIGINT to the whole foreground process group, the supervisor included, which then stops its
 * services with SIGTERM. That SIGTERM is the same request to stop, not a second one; a second
 * Ctrl-C (SIGINT again) is.
 */
export function createShutdown(o: ShutdownOptions): (signal: string) => void {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const now = o.now ?? Date.now;
  const timeoutMs = o.timeoutMs ?? 15_000;
  let draining: string | undefined;
  return (signal: string) => {
    if (draining === signal) {
      o.logger.warn({ signal }, 'second signal: exiting now, without finishing the drain');
      exit(1);
      return;
    }
    if (draining !== undefined) {
      o.logger.info({ signal, drainingSince: draining }, 'already draining');
      return;
    }
    draining = signal;
    const started = now();
    o.logger.info({ signal }, `shutting down: draining first (${signal} again exits at once)`);
    const force = setTimeout(() => {
      o.logger.error({ timeoutMs }, 'shutdown took too long: exiting without finishing the drain');
      exit(1);
    }, timeoutMs);
    force.unref();
    void (async () => {
      let failed = 0;
      for (const close of o.closers) {
        try {
          await close();
        } catch (err) {
          failed++;
          o.logger.error({ err: (err as Error).message }, 'error while closing');
        }
      }
      clearTimeout(force);
      const ms = now() - started;
      if (failed === 0) o.logger.info({ ms }, 'drained and stopped cleanly');
      else o.logger.warn({ ms, failed }, 'stopped; closing failed for some resources (see above)');
      exit(failed === 0 ? 0 : 1);
    })();
  };
}

/** Graceful shutdown of a service process on SIGINT and SIGTERM (see createShutdown). */
export function onShutdown(logger: Logger, closers: Array<() => Promise<void>>, timeoutMs = 15_000): void {
  const handle = createShutdown({ logger, closers, timeoutMs });
  // A worker of a clustered service (cluster.ts) drains on the SIGTERM its primary passes on; the
  // SIGINT of a Ctrl-C reaches the whole process group, and taken as a second signal it would cut
  // the drain short.
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  else process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}

export const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
export const dataDir = process.env.DOWNRADAR_DATA_DIR ?? `${repoRoot}/.data`;
