import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileValidator } from '../../services/common/src/validate';
import { EVENT_SCHEMAS } from './index';
import { renderSchemas } from './write-json';

const load = (f: string) => JSON.parse(readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')) as Record<string, unknown[]>;
const valid = load('valid.json');
const invalid = load('invalid.json');

describe('event schemas', () => {
  it('has a valid example fixture for every schema', () => {
    expect(Object.keys(valid).sort()).toEqual(Object.keys(EVENT_SCHEMAS).sort());
  });

  for (const [name, schema] of Object.entries(EVENT_SCHEMAS)) {
    const check = compileValidator(schema);
    it(`${name}: every example validates`, () => {
      for (const example of valid[name] ?? []) {
        const r = check(example);
        expect(r, JSON.stringify(example)).toMatchObject({ ok: true });
      }
    });
    if (invalid[name]) {
      it(`${name}: every counter-example fails, naming a field`, () => {
        for (const example of invalid[name]!) {
          const r = check(example);
          expect(r.ok, JSON.stringify(example)).toBe(false);
          if (!r.ok) expect(r.field.length).toBeGreaterThan(0);
        }
      });
    }
  }

  it('the JSON Schema files in schemas/events/json are up to date (npm run schemas)', () => {
    for (const [file, text] of renderSchemas()) {
      const onDisk = readFileSync(new URL(`./json/${file}`, import.meta.url), 'utf8');
      expect(onDisk, `${file} is stale: run npm run schemas`).toBe(text);
    }
  });
});
