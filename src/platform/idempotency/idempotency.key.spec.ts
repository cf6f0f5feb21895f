import { describe, expect, it } from '@jest/globals';
import { parseIdempotencyKey } from './idempotency.key.js';

const headers = (...values: string[]) => values.flatMap((v) => ['Idempotency-Key', v]);

describe('parseIdempotencyKey', () => {
  it('is undefined when the header is absent', () => {
    expect(parseIdempotencyKey(['Content-Type', 'application/json'])).toBeUndefined();
  });

  it('accepts a bare key of 1 to 255 printable ASCII characters, case-insensitive header name', () => {
    expect(parseIdempotencyKey(headers('8e03978e-40d5-43e8-bc93-6894a57f9324'))).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
    expect(parseIdempotencyKey(['idempotency-key', 'a'])).toBe('a');
    expect(parseIdempotencyKey(headers('x'.repeat(255)))).toBe('x'.repeat(255));
    expect(parseIdempotencyKey(headers('with space ~!{}:*'))).toBe('with space ~!{}:*');
  });

  it('accepts the draft Structured Field String form and unescapes it', () => {
    expect(parseIdempotencyKey(headers('"8e03978e"'))).toBe('8e03978e');
    expect(parseIdempotencyKey(headers('"a\\"b\\\\c"'))).toBe('a"b\\c');
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'x'.repeat(256)],
    ['300 characters', 'k'.repeat(300)],
    ['non-ASCII', 'clé'],
    ['a control character', 'a\tb'],
    ['an empty sf-string', '""'],
    ['an unterminated sf-string', '"abc'],
    ['a bad escape', '"a\\qb"'],
    ['an inner quote', '"a"b"'],
  ])('refuses %s', (_what, value) => {
    expect(parseIdempotencyKey(headers(value))).toEqual({ invalid: expect.any(String) });
  });

  it('refuses a repeated header (a proxy may have joined two different keys)', () => {
    expect(parseIdempotencyKey(headers('a', 'b'))).toEqual({
      invalid: 'send exactly one Idempotency-Key header',
    });
  });
});
