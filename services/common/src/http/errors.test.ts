import { describe, expect, it } from 'vitest';
import { describeValidation } from './errors';

describe('describeValidation', () => {
  it('folds a union of literals into the allowed values', () => {
    expect(
      describeValidation('querystring', [
        { keyword: 'const', instancePath: '/step', params: { allowedValue: 1 } },
        { keyword: 'const', instancePath: '/step', params: { allowedValue: 5 } },
        { keyword: 'const', instancePath: '/step', params: { allowedValue: 15 } },
        { keyword: 'anyOf', instancePath: '/step', params: {} },
      ]),
    ).toEqual({ field: 'step', message: 'querystring.step must be one of 1, 5, 15' });
  });
  it('names an unknown parameter', () => {
    expect(describeValidation('querystring', [{ keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'foo' } }])).toEqual({
      field: 'foo',
      message: 'querystring.foo is not a known parameter',
    });
  });
  it('says what a number must be', () => {
    expect(describeValidation('querystring', [{ keyword: 'type', instancePath: '/from', params: { type: 'integer' } }]).message).toBe(
      'querystring.from must be an integer',
    );
    expect(describeValidation('querystring', [{ keyword: 'maximum', instancePath: '/limit', params: { limit: 200 } }]).message).toBe(
      'querystring.limit must be <= 200',
    );
  });
});
