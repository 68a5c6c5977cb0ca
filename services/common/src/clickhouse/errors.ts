import { InfraError } from '../kafka/errors';

/**
 * ClickHouse error codes where a retry can help: the server is overloaded, out of memory for
 * the moment, too many parts, or timing out; and on a cluster, a replica without ZooKeeper
 * (225 NO_ZOOKEEPER, 242 TABLE_IS_READ_ONLY, 999 KEEPER_EXCEPTION) or an insert quorum that
 * cannot be met yet (285 TOO_FEW_LIVE_REPLICAS, 286 UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE, 319
 * UNKNOWN_STATUS_OF_INSERT). Everything else (syntax, unknown table, cannot parse) will fail the
 * same way again and must go to a DLQ or stop the process.
 */
const RETRIABLE_CODES = new Set(['159', '160', '202', '203', '209', '210', '225', '241', '242', '252', '285', '286', '319', '425', '999']);
const RETRIABLE_NET = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|Timeout error|timeout|other side closed|ENOTFOUND|EAI_AGAIN/i;

export class ClickHouseError extends InfraError {
  constructor(message: string, retriable: boolean, code: string, options?: { cause?: unknown }) {
    super(message, retriable, code, options);
    this.name = 'ClickHouseError';
  }
}

export function clickhouseError(err: unknown, what: string): ClickHouseError {
  if (err instanceof ClickHouseError) return err;
  const e = err as { code?: string | number; type?: string; message?: string };
  const message = e?.message ?? String(err);
  const code = e?.code !== undefined ? String(e.code) : (/Code: (\d+)/.exec(message)?.[1] ?? 'NETWORK');
  const retriable =
    RETRIABLE_CODES.has(code) || code === 'NETWORK' || /^E[A-Z]+$/.test(code) || RETRIABLE_NET.test(message);
  return new ClickHouseError(`${what}: ${message}`, retriable, code, { cause: err });
}
