import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createHttpApp } from './server';

/** A logger whose lines land in `lines`. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('test', 'info', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { lines, logger };
}
/** Counts the children made from a logger from now on. */
capture.count = (logger: { child: (...a: never[]) => unknown }): (() => number) => {
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = (...a: never[]) => {
    children++;
    return child(...a);
  };
  return () => children;
};

describe('createHttpApp: a request\'s logger', () => {
  it('is made only when the request logs, and what it logs carries the request id and the redaction', async () => {
    const { lines, logger } = capture();
    const app = createHttpApp({ logger });
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/loud', async (req) => {
      req.log.warn({ note: 'here', headers: { 'x-api-key': 'secret-key' } }, 'a request that logs');
      return { ok: true };
    });
    app.get('/fails', async () => {
      throw new Error('boom');
    });
    await app.ready();
    // fastify's own logger is made from the service's once; every request's from that one
    const spy = capture.count(app.log);
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
    expect(spy()).toBe(0);
    expect(lines).toHaveLength(0);

    const loud = await app.inject({ url: '/loud' });
    expect(loud.statusCode).toBe(200);
    expect(spy()).toBe(1);
    const warned = lines.find((l) => l.msg === 'a request that logs')!;
    expect(warned).toMatchObject({ level: 40, note: 'here', service: 'test' });
    expect(typeof warned.reqId).toBe('string');
    expect(JSON.stringify(warned)).not.toContain('secret-key');

    const failed = await app.inject({ url: '/fails' });
    expect(failed.statusCode).toBe(500);
    const logged = lines.find((l) => l.msg === 'request failed')!;
    expect(logged.level).toBe(50);
    // the 500's body names the request whose details are in the log
    expect(failed.json().message).toContain(`request ${String(logged.reqId)}`);
    await app.close();
  });

  it('follows the level of the service\'s logger', async () => {
    const { lines, logger } = capture();
    logger.level = 'error';
    const app = createHttpApp({ logger });
    app.get('/loud', async (req) => {
      expect(req.log.level).toBe('error');
      req.log.warn('not written');
      req.log.error('written');
      return { ok: true };
    });
    expect((await app.inject({ url: '/loud' })).statusCode).toBe(200);
    expect(lines.map((l) => l.msg)).toEqual(['written']);
    await app.close();
  });
});
