import { describe, expect, it } from 'vitest';
import { capturedLogger } from './testing/index';
import { createShutdown } from './lifecycle';

function harness(closers: Array<() => Promise<void>>, timeoutMs = 60_000) {
  const log = capturedLogger('test', 'info');
  const exits: number[] = [];
  let exited!: (code: number) => void;
  const firstExit = new Promise<number>((r) => (exited = r));
  const handle = createShutdown({
    logger: log.logger,
    closers,
    timeoutMs,
    exit: (code) => {
      exits.push(code);
      exited(code);
    },
  });
  return { handle, exits, firstExit, messages: () => log.lines.map((l) => `${l.level} ${l.msg}`) };
}

/** A closer that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { close: () => opened, open };
}

describe('service shutdown', () => {
  it('drains on Ctrl-C, takes the supervisor SIGTERM that follows as the same request, and says it stopped cleanly', async () => {
    const drain = gate();
    const h = harness([drain.close]);
    h.handle('SIGINT'); // the terminal's Ctrl-C
    h.handle('SIGTERM'); // the supervisor stopping its services
    expect(h.exits).toEqual([]);
    drain.open();
    expect(await h.firstExit).toBe(0);
    expect(h.exits).toEqual([0]);
    expect(h.messages()).toEqual([
      '30 shutting down: draining first (SIGINT again exits at once)',
      '30 already draining',
      '30 drained and stopped cleanly',
    ]);
  });

  it('exits at once, with 1, on the same signal a second time (a second Ctrl-C)', async () => {
    const drain = gate();
    const h = harness([drain.close]);
    h.handle('SIGINT');
    h.handle('SIGINT');
    expect(await h.firstExit).toBe(1);
    expect(h.messages().at(-1)).toBe('40 second signal: exiting now, without finishing the drain');
  });

  it('runs every closer in order even when one fails, and then exits with 1', async () => {
    const order: string[] = [];
    const h = harness([
      async () => {
        order.push('http');
      },
      async () => {
        order.push('kafka');
        throw new Error('broker gone');
      },
      async () => {
        order.push('clickhouse');
      },
    ]);
    h.handle('SIGTERM');
    expect(await h.firstExit).toBe(1);
    expect(order).toEqual(['http', 'kafka', 'clickhouse']);
    expect(h.messages()).toContain('50 error while closing');
    expect(h.messages().at(-1)).toBe('40 stopped; closing failed for some resources (see above)');
  });

  it('cuts a drain short after the timeout', async () => {
    const h = harness([() => new Promise<void>(() => undefined)], 50);
    h.handle('SIGTERM');
    expect(await h.firstExit).toBe(1);
    expect(h.messages().at(-1)).toBe('50 shutdown took too long: exiting without finishing the drain');
  });
});
