import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cacheCoordinatorLookups, installCoordinatorCache, type CoordinatorLookups } from './coordinator-cache';

function fakeCluster() {
  const calls: string[] = [];
  let fail = false;
  class Cluster {
    async findGroupCoordinatorMetadata(args: { groupId: string; coordinatorType?: number }): Promise<unknown> {
      calls.push(`${args.coordinatorType ?? 0}:${args.groupId}`);
      if (fail) throw new Error('GROUP_COORDINATOR_NOT_AVAILABLE');
      return { coordinator: { nodeId: calls.length } };
    }
    async findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<unknown> {
      return this.findGroupCoordinatorMetadata(args);
    }
  }
  return { Cluster, calls, setFail: (f: boolean) => (fail = f) };
}

describe('coordinator cache', () => {
  it('asks once per client, id and type within the TTL, again after it, and not again after a failure', async () => {
    const f = fakeCluster();
    let t = 0;
    cacheCoordinatorLookups(f.Cluster.prototype as unknown as CoordinatorLookups, 1000, () => t);
    const a = new f.Cluster();
    const b = new f.Cluster();
    const first = await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 })).toBe(first);
    await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(f.calls).toEqual(['1:tx-1']);
    await a.findGroupCoordinator({ groupId: 'tx-1' }); // the group of the same name: another type
    await b.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 }); // another client
    expect(f.calls).toEqual(['1:tx-1', '0:tx-1', '1:tx-1']);
    t = 999;
    await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(f.calls).toHaveLength(3);
    t = 1000;
    expect(await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 })).not.toBe(first);
    expect(f.calls).toHaveLength(4);
    // A failed lookup is not kept: the next one asks again.
    f.setFail(true);
    t = 2500;
    await expect(a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 })).rejects.toThrow('NOT_AVAILABLE');
    f.setFail(false);
    await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(f.calls).toHaveLength(6);
    await a.findGroupCoordinator({ groupId: 'tx-1', coordinatorType: 1 });
    expect(f.calls).toHaveLength(6);
  });

  it('wraps kafkajs\' own Cluster', () => {
    const Cluster = createRequire(import.meta.url)('kafkajs/src/cluster') as { prototype: CoordinatorLookups };
    const before = Cluster.prototype.findGroupCoordinatorMetadata;
    installCoordinatorCache();
    installCoordinatorCache(); // once
    const after = Cluster.prototype.findGroupCoordinatorMetadata;
    expect(after).not.toBe(before);
    installCoordinatorCache();
    expect(Cluster.prototype.findGroupCoordinatorMetadata).toBe(after);
  });
});
