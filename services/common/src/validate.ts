import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';

/**
 * Message validation from the same TypeBox schemas fastify uses for HTTP bodies.
 * Consumers check every message and send the ones that fail to the DLQ with the reason.
 */
const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, removeAdditional: false });
const cache = new WeakMap<TSchema, ValidateFunction>();

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string; field: string };

export function compileValidator<S extends TSchema>(schema: S): (value: unknown) => Checked<Static<S>> {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  const v = fn;
  return (value) => {
    if (v(value)) return { ok: true, value: value as Static<S> };
    const e = v.errors?.[0];
    return { ok: false, ...describeAjvError(e) };
  };
}

export function describeAjvError(e: ErrorObject | undefined): { reason: string; field: string } {
  if (!e) return { field: '', reason: 'invalid' };
  let field = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (e.keyword === 'required') field = [field, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.');
  if (e.keyword === 'additionalProperties')
    field = [field, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
  const reason = e.keyword === 'additionalProperties' ? 'is not an allowed field' : (e.message ?? 'is invalid');
  return { field: field || '(body)', reason };
}

/** Parse a Kafka message value as JSON and validate it. */
export function parseMessage<S extends TSchema>(
  check: (v: unknown) => Checked<Static<S>>,
  raw: Buffer | string | null,
): Checked<Static<S>> {
  if (raw === null) return { ok: false, field: '(message)', reason: 'empty message value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    return { ok: false, field: '(message)', reason: `not JSON: ${(err as Error).message}` };
  }
  return check(parsed);
}
