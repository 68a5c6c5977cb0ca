import { describe, expect, it } from 'vitest';
import { HttpError } from '@downradar/common/http';
import { parseJsonStrict } from './body';

const failure = (text: string) => {
  try {
    parseJsonStrict(text, '(line)');
  } catch (err) {
    return err as HttpError;
  }
  throw new Error(`parsed: ${text}`);
};

describe('parseJsonStrict', () => {
  it('parses plain JSON, a value that merely mentions constructor or __proto__, and a text with a BOM', () => {
    expect(parseJsonStrict('{"serviceId":"facebook","n":1,"a":[true,null]}', '(body)')).toEqual({ serviceId: 'facebook', n: 1, a: [true, null] });
    expect(parseJsonStrict('{"text":"the constructor of __proto__ is down"}', '(body)')).toEqual({ text: 'the constructor of __proto__ is down' });
    expect(parseJsonStrict('{"text":"caf\\u00e9"}', '(body)')).toEqual({ text: 'café' });
    expect(parseJsonStrict('\ufeff{"a":1}', '(body)')).toEqual({ a: 1 });
    expect(parseJsonStrict(' 42 ', '(body)')).toBe(42);
  });

  it('refuses a __proto__ or constructor key, plain or written with \\u escapes, naming the field', () => {
    for (const text of [
      '{"a":1,"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"\\u005f\\u005fproto__":{"admin":true}}',
      '{"\\u0063onstructor" :{"prototype":{}}}',
      '{"report":{"__proto__":{}}}',
    ]) {
      const err = failure(text);
      expect(err).toBeInstanceOf(HttpError);
      expect(err.code).toBe('FORBIDDEN_KEY');
      expect(err.message).toMatch(/^\(line\) contains a __proto__ or constructor key/);
    }
  });

  it('bad JSON is BAD_JSON with the parser\'s reason, with or without the suspicious words', () => {
    for (const text of ['{"a":', '{"text":"constructor"', 'nope']) {
      const err = failure(text);
      expect(err.code).toBe('BAD_JSON');
      expect(err.message).toMatch(/^\(line\) is not valid JSON: /);
    }
  });
});
