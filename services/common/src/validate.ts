import { Ajv, type ValidateFunction } from 'ajv';
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
    return { ok: false, ...describeIssues(v.errors ?? []) };
  };
}

/** The part of an ajv error that describing it needs (fastify hands these over in `error.validation`). */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * What a schema failure says, for a DLQ reason, a batch line's rejection or an HTTP 400: the field
 * (dotted path) and the reason. A union of literals fails as one `const` error per branch plus
 * `anyOf`; those are folded into the list of allowed values. `noun` names what an unexpected key
 * is: a body has fields, a query string has parameters.
 */
export function describeIssues(issues: readonly ValidationIssue[], noun: 'field' | 'parameter' = 'field'): { field: string; reason: string } {
  const first = issues[0];
  if (!first) return { field: '(body)', reason: 'is invalid' };
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  let field = path;
  let reason: string;
  switch (first.keyword) {
    case 'additionalProperties':
      field = [path, String(first.params.additionalProperty)].filter(Boolean).join('.');
      reason = noun === 'field' ? 'is not an allowed field' : 'is not a known parameter';
      break;
    case 'required':
      field = [path, String(first.params.missingProperty)].filter(Boolean).join('.');
      reason = 'is required';
      break;
    case 'const':
    case 'enum':
    case 'anyOf': {
      const allowed = issues
        .filter((i) => i.instancePath === first.instancePath)
        .flatMap((i) => (i.keyword === 'const' ? [i.params.allowedValue] : i.keyword === 'enum' ? ((i.params.allowedValues as unknown[]) ?? []) : []));
      reason = allowed.length > 0 ? `must be one of ${allowed.map(String).join(', ')}` : (first.message ?? 'is invalid');
      break;
    }
    case 'pattern':
      reason = `must match ${String(first.params.pattern)}`;
      break;
    case 'type':
      reason = `must be ${first.params.type === 'integer' ? 'an integer' : `of type ${String(first.params.type)}`}`;
      break;
    case 'minimum':
    case 'maximum':
      reason = `must be ${first.keyword === 'minimum' ? '>=' : '<='} ${String(first.params.limit)}`;
      break;
    default:
      reason = first.message ?? 'is invalid';
  }
  return { field: field || (noun === 'field' ? '(body)' : '(root)'), reason };
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
