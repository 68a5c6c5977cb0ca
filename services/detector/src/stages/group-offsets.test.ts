import { describe, expect, it } from 'vitest';
import { GroupOffsets, OFFSETS_ALWAYS_FROM_MESSAGES, offsetsInTransaction } from './group-offsets';

describe('offsetsInTransaction', () => {
  it('puts the offsets into every transaction when the interval is 0', () => {
    expect(offsetsInTransaction(0, 1_000, 1_000, 1)).toBe(true);
  });

  it('leaves them out of a small transaction while the group offset is younger than the interval', () => {
    expect(offsetsInTransaction(1_000, 5_000, 5_999, 10)).toBe(false);
    expect(offsetsInTransaction(1_000, 5_000, 6_000, 10)).toBe(true);
  });

  it('puts them into the first transaction after an assignment (group offset unknown)', () => {
    expect(offsetsInTransaction(1_000, undefined, 500, 1)).toBe(true);
  });

  it('always puts them into a large batch (a backlog)', () => {
    expect(offsetsInTransaction(60_000, 5_000, 5_001, OFFSETS_ALWAYS_FROM_MESSAGES - 1)).toBe(false);
    expect(offsetsInTransaction(60_000, 5_000, 5_001, OFFSETS_ALWAYS_FROM_MESSAGES)).toBe(true);
  });
});

describe('GroupOffsets', () => {
  it('lists the partitions whose checkpointed offset the group does not have', () => {
    const g = new GroupOffsets();
    const checkpointed = new Map([
      [2, '40'],
      [0, '10'],
    ]);
    expect(g.pending(checkpointed)).toEqual([
      { partition: 0, offset: '10' },
      { partition: 2, offset: '40' },
    ]);
    g.committed(0, '10', 1_000);
    expect(g.committedAt(0)).toBe(1_000);
    expect(g.pending(checkpointed)).toEqual([{ partition: 2, offset: '40' }]);
    checkpointed.set(0, '12'); // a transaction without offsets moved the checkpoint
    expect(g.pending(checkpointed)).toEqual([
      { partition: 0, offset: '12' },
      { partition: 2, offset: '40' },
    ]);
  });

  it('forgets a partition on a restore: its next transaction carries the offsets and the tick commits it', () => {
    const g = new GroupOffsets();
    g.committed(1, '7', 2_000);
    g.forget(1);
    expect(g.committedAt(1)).toBeUndefined();
    expect(g.pending(new Map([[1, '7']]))).toEqual([{ partition: 1, offset: '7' }]);
  });

  it('counts a plain commit as landed unless a transaction committed the partition since it was issued', () => {
    const g = new GroupOffsets();
    g.committedBefore(0, '10', 1_000);
    expect(g.committedAt(0)).toBe(1_000);
    expect(g.pending(new Map([[0, '10']]))).toEqual([]);
    // Issued at 2,000 with offset 12; a transaction committed 15 at 2,005; the plain commit may
    // have landed after it and put the group back to 12: the partition must be committed again.
    g.committed(0, '15', 2_005);
    g.committedBefore(0, '12', 2_000);
    expect(g.pending(new Map([[0, '15']]))).toEqual([{ partition: 0, offset: '15' }]);
    expect(g.committedAt(0)).toBeUndefined();
  });
});
