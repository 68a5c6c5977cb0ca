import { describe, expect, it } from 'vitest';
import type { Reader } from './clickhouse';
import { createEventClock, EVENT_CLOCK_TTL_MS, openIncidentClock } from './event-clock';

function reader(answers: (number | Error)[]) {
  const queries: string[] = [];
  const r: Reader = {
    database: 'db',
    table: (n) => `db.${n}`,
    async rows<T>(q: string): Promise<T[]> {
      queries.push(q);
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return [{ until_s: a ?? 0 }] as T[];
    },
  };
  return { r, queries };
}

describe('createEventClock', () => {
  it('reads the end of the newest scored window, and reuses a reading for a second', async () => {
    let t = 0;
    const { r, queries } = reader([1_633_395_540, 1_633_395_600]);
    const clock = createEventClock(r, () => t);
    expect(await clock()).toBe(1_633_395_540_000);
    t += EVENT_CLOCK_TTL_MS - 1;
    expect(await clock()).toBe(1_633_395_540_000);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toBe('SELECT toUInt32(max(window_end)) AS until_s FROM db.scores');
    t += 2;
    expect(await clock()).toBe(1_633_395_600_000);
    expect(queries).toHaveLength(2);
  });
  it('is null before any score, and does not keep a failed reading', async () => {
    let t = 0;
    const { r } = reader([0, new Error('down'), 42]);
    const clock = createEventClock(r, () => t);
    expect(await clock()).toBeNull();
    t += 2000;
    await expect(clock()).rejects.toThrow('down');
    expect(await clock()).toBe(42_000);
  });
});

describe('openIncidentClock', () => {
  const now = Date.UTC(2026, 10, 25);
  it('is the event-time clock for a replayed past, never after now', () => {
    expect(openIncidentClock(Date.UTC(2021, 9, 5, 1), now)).toBe(Date.UTC(2021, 9, 5, 1));
    expect(openIncidentClock(now + 60_000, now)).toBe(now);
    expect(openIncidentClock(null, now)).toBe(now);
  });
});
