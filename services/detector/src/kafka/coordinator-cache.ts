/**
 * kafkajs 2.2 asks the broker who coordinates a group or a transactional id (a FindCoordinator
 * request) every time it needs the coordinator, and does not keep the answer: a transaction of a
 * detector stage asks four times (before AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and
 * EndTxn), so four of its nine requests are FindCoordinator. The broker's cost of the live detector
 * follows its number of requests (README, "What the live detector costs the broker"), so the
 * answer is kept here for `ttlMs` (1 s) per client, group or transactional id, and coordinator
 * type. A coordinator that moves (a broker failing over) is seen within that second: a request to
 * the old one fails with NOT_COORDINATOR and kafkajs retries it with its back-off, and a lookup
 * that fails, or a findGroupCoordinator that throws, drops the kept answer at once.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const COORDINATOR_TTL_MS = 1000;

interface LookupArgs {
  groupId: string;
  coordinatorType?: number;
}

/** The two methods of kafkajs' Cluster (kafkajs/src/cluster/index.js) this wraps. */
export interface CoordinatorLookups {
  findGroupCoordinatorMetadata(this: object, args: LookupArgs): Promise<unknown>;
  findGroupCoordinator(this: object, args: LookupArgs): Promise<unknown>;
}

const wrapped = new WeakSet<object>();

/** Wraps the lookups of `proto` (kafkajs' Cluster.prototype, or a test's) with the cache; once per prototype. */
export function cacheCoordinatorLookups(proto: CoordinatorLookups, ttlMs = COORDINATOR_TTL_MS, now: () => number = Date.now): void {
  if (wrapped.has(proto)) return;
  wrapped.add(proto);
  const ownMetadata = proto.findGroupCoordinatorMetadata;
  const ownFind = proto.findGroupCoordinator;
  const caches = new WeakMap<object, Map<string, { at: number; value: Promise<unknown> }>>();
  const keyOf = (args: LookupArgs) => `${args.coordinatorType ?? 0}:${args.groupId}`;
  proto.findGroupCoordinatorMetadata = function (this: object, args: LookupArgs): Promise<unknown> {
    let cache = caches.get(this);
    if (cache === undefined) caches.set(this, (cache = new Map()));
    const key = keyOf(args);
    const t = now();
    const kept = cache.get(key);
    if (kept !== undefined && t - kept.at < ttlMs) return kept.value;
    const value = ownMetadata.call(this, args);
    const entry = { at: t, value };
    cache.set(key, entry);
    value.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    return value;
  };
  proto.findGroupCoordinator = async function (this: object, args: LookupArgs): Promise<unknown> {
    try {
      return await ownFind.call(this, args);
    } catch (err) {
      caches.get(this)?.delete(keyOf(args));
      throw err;
    }
  };
}

/** Installs the cache on kafkajs' Cluster (every client of this process; idempotent). */
export function installCoordinatorCache(): void {
  const Cluster = require('kafkajs/src/cluster') as { prototype: CoordinatorLookups };
  cacheCoordinatorLookups(Cluster.prototype);
}
