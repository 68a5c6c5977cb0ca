import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OFFICIAL_STATUSES, PROBLEM_CATEGORIES, SIGNAL_KINDS, SignalEvent } from './index';

/** The binary form of downradar.signals (services/common/src/kafka/signal-codec.ts) follows this schema. */
const avsc = JSON.parse(readFileSync(new URL('./avro/signal-batch.avsc', import.meta.url), 'utf8')) as {
  type: string;
  items: { fields: { name: string; type: unknown }[] };
};

describe('avro/signal-batch.avsc', () => {
  it('has every SignalEvent field, in order, optional ones as a union with null', () => {
    expect(avsc.type).toBe('array');
    const fields = avsc.items.fields;
    expect(fields.map((f) => f.name)).toEqual(Object.keys(SignalEvent.properties));
    const required = new Set<string>(SignalEvent.required ?? []);
    for (const f of fields) expect(Array.isArray(f.type) && (f.type as unknown[])[0] === 'null').toBe(!required.has(f.name));
  });

  it('has the enums of the JSON schema, symbols in the order the codec numbers them', () => {
    const symbols = (name: string) => {
      const f = avsc.items.fields.find((x) => x.name === name)!;
      const t = (Array.isArray(f.type) ? f.type[1] : f.type) as { symbols: string[] };
      return t.symbols;
    };
    expect(symbols('kind')).toEqual([...SIGNAL_KINDS]);
    expect(symbols('problem')).toEqual([...PROBLEM_CATEGORIES]);
    expect(symbols('officialStatus')).toEqual([...OFFICIAL_STATUSES]);
  });
});
