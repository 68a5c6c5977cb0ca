import { describe, expect, it } from 'vitest';
import { assembleEntries, CheckpointWriter, entriesUnder, parseEntries, type StateRecord } from './checkpoint';

/** A compacted topic as a reader sees it after compaction: the latest value per key. */
function apply(topic: Map<string, string>, records: StateRecord[]): void {
  for (const r of records) {
    if (r.value === null) topic.delete(r.key);
    else topic.set(r.key, r.value);
  }
}

describe('CheckpointWriter', () => {
  it('writes only what changed, deletes what disappeared, and only after commit() counts it as written', () => {
    const w = new CheckpointWriter('p1/');
    const first = w.diff({ a: { x: 1 }, b: [1, 2] });
    expect(first.records.map((r) => r.key)).toEqual(['p1/a', 'p1/b']);
    // not committed (transaction aborted): the same diff again
    expect(w.diff({ a: { x: 1 }, b: [1, 2] }).records).toHaveLength(2);
    first.commit();
    expect(w.diff({ a: { x: 1 }, b: [1, 2] }).records).toEqual([]);
    const second = w.diff({ a: { x: 2 } });
    expect(second.records).toEqual([
      { key: 'p1/a', value: '{"x":2}' },
      { key: 'p1/b', value: null },
    ]);
  });

  it('skips keys it does not own', () => {
    const w = new CheckpointWriter('', (k) => k.startsWith('service:'));
    expect(w.diff({ 'service:x': 1, incidents: 2 }).records.map((r) => r.key)).toEqual(['service:x']);
  });

  it('splits large values into parts and puts them back together; shrinking deletes the extra parts', () => {
    const w = new CheckpointWriter('p0/', () => true, 10);
    const topic = new Map<string, string>();
    const big = { e: Array.from({ length: 20 }, (_, i) => i) };
    const d1 = w.diff({ 'dedupe:x': big, small: 1 });
    apply(topic, d1.records);
    d1.commit();
    expect([...topic.keys()].filter((k) => k.startsWith('p0/dedupe:x#')).length).toBe(Math.ceil(JSON.stringify(big).length / 10));
    expect(parseEntries(entriesUnder(assembleEntries(topic), 'p0/'))).toEqual({ 'dedupe:x': big, small: 1 });

    const smaller = { e: [1, 2] };
    const d2 = w.diff({ 'dedupe:x': smaller, small: 1 });
    apply(topic, d2.records);
    d2.commit();
    expect([...topic.keys()].filter((k) => k.includes('#'))).toEqual(['p0/dedupe:x#0', 'p0/dedupe:x#1']);
    expect(parseEntries(entriesUnder(assembleEntries(topic), 'p0/'))).toEqual({ 'dedupe:x': smaller, small: 1 });

    const d3 = w.diff({});
    apply(topic, d3.records);
    expect(topic.size).toBe(0);
  });

  it('refuses a split value with a part missing rather than restoring a corrupt state', () => {
    const w = new CheckpointWriter('', () => true, 4);
    const topic = new Map<string, string>();
    apply(topic, w.diff({ k: 'abcdefghij' }).records);
    topic.delete('k#1');
    expect(() => assembleEntries(topic)).toThrow(/part 1 of 3 is missing/);
  });

  it('after seed() (a restore) an unchanged entry is not written again', () => {
    const w = new CheckpointWriter('p2/');
    w.seed(new Map([['a', '{"x":1}']]));
    expect(w.diff({ a: { x: 1 } }).records).toEqual([]);
    expect(w.diff({}).records).toEqual([{ key: 'p2/a', value: null }]);
  });
});
