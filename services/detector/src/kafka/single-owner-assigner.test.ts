import { describe, expect, it } from 'vitest';
import { assignAllToFirst } from './single-owner-assigner';

describe('assignAllToFirst', () => {
  it('gives every partition to the lexicographically first member and nothing to the others', () => {
    const a = assignAllToFirst(['m-b', 'm-a', 'm-c'], { w: [2, 0, 1], x: [0] });
    expect(Object.fromEntries(a)).toEqual({ 'm-a': { w: [0, 1, 2], x: [0] }, 'm-b': {}, 'm-c': {} });
  });

  it('the next member takes over when the first leaves', () => {
    expect(assignAllToFirst(['m-c', 'm-b'], { w: [0] }).get('m-b')).toEqual({ w: [0] });
  });

  it('no members, no assignment', () => {
    expect(assignAllToFirst([], { w: [0] }).size).toBe(0);
  });
});
