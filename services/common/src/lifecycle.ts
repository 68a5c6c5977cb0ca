import cluster from 'node:cluster';
import type { Logger } from './logger';

/**
 * Graceful shutdown for a service process: on SIGINT/SIGTERM run the closers in order
 * (stop taking work, drain, close clients), then exit. A second signal, or a closer that takes
 * longer than the timeout, forces the exit.
 */
export function onShutdown(logger: Logger, closers: Array<() => Promise<void>>, timeoutMs = 15_000): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    (async () => {
      for (const close of closers) {
        try {
          await close();
        } catch (err) {
          logger.error({ err: (err as Error).message }, 'error while closing');
        }
      }
      process.exit(0);
    })();
  };
  // A worker of a clustered service (cluster.ts) drains on the SIGTERM its primary passes on; the
  // SIGINT of a Ctrl-C reaches the whole process group, and taken as a second signal it would cut
  // the drain short.
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  else process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

export const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
export const dataDir = process.env.DOWNRADAR_DATA_DIR ?? `${repoRoot}/.data`;
