/**
 * The only values that reach SQL text: validated slugs, enums and integers. ClickHouse 18.16
 * has no server-side parameters, so these guards are what stands between input and the query.
 */
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;

export function sqlSlug(value: string): string {
  if (!SLUG.test(value)) throw new Error(`not a slug: ${JSON.stringify(value)}`);
  return `'${value}'`;
}
export function sqlToken(value: string): string {
  if (!TOKEN.test(value)) throw new Error(`not an id token: ${JSON.stringify(value)}`);
  return `'${value}'`;
}
export function sqlIdent(value: string): string {
  if (!IDENT.test(value)) throw new Error(`not an identifier: ${JSON.stringify(value)}`);
  return value;
}
export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}
export function sqlEnum<T extends string>(value: T, allowed: readonly T[]): string {
  if (!allowed.includes(value)) throw new Error(`not one of ${allowed.join(', ')}: ${value}`);
  return `'${value}'`;
}
/** Epoch milliseconds to a DateTime expression (seconds precision, UTC). */
export function sqlDateTime(ms: number): string {
  return `toDateTime(${sqlInt(Math.floor(ms / 1000))})`;
}
