import { describe, expect, it } from '@jest/globals';
import { safeJsonParse } from './cache.safe-json.js';

describe('safeJsonParse', () => {
  it('parses clean JSON like JSON.parse', () => {
    expect(safeJsonParse('{"a":[1,{"b":null}],"constructorName":"x"}')).toEqual({
      a: [1, { b: null }],
      constructorName: 'x',
    });
  });

  it('drops __proto__ (plain or escaped) and constructor.prototype, so merges cannot pollute', () => {
    for (const text of [
      '{"a":1,"__proto__":{"polluted":true}}',
      '{"a":1,"\\u005f_proto__":{"polluted":true}}',
      '{"a":1,"nested":{"__proto__":{"polluted":true}}}',
      '{"a":1,"constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const value = safeJsonParse(text) as Record<string, unknown>;
      expect(value.a).toBe(1);
      Object.assign({}, value, value.nested);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(false);
      expect(Object.prototype.hasOwnProperty.call(value, 'constructor')).toBe(false);
    }
  });
});
