import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { canonicalJson, canonicalTarget, fingerprintOf, scopedKeyOf } from './idempotency.fingerprint.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });

  it('drops undefined members as JSON does and writes primitives as JSON', () => {
    expect(canonicalJson({ a: undefined, b: null, c: 'x"y', d: 1.5, e: true })).toBe(
      '{"b":null,"c":"x\\"y","d":1.5,"e":true}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('sorts by UTF-16 code units (RFC 8785)', () => {
    expect(canonicalJson({ é: 1, z: 2, A: 3 })).toBe('{"A":3,"z":2,"é":1}');
  });
});

describe('canonicalTarget', () => {
  it('keeps the path and sorts the query', () => {
    expect(canonicalTarget('/payments?b=2&a=1')).toBe('/payments?a=1&b=2');
    expect(canonicalTarget('/payments')).toBe('/payments');
    expect(canonicalTarget('//evil/payments')).toBe('//evil/payments');
  });

  it('gives what URL parsing gives, on plain paths (taken without parsing) and on the rest', () => {
    const viaUrl = (target: string) => {
      const url = new URL(`http://localhost${target}`);
      url.searchParams.sort();
      return url.pathname + url.search;
    };
    const targets = [
      '/payments',
      '/payments/pay_1.json',
      '/a/b~c/d-e_f',
      '/a/./b',
      '/a/../b',
      '/a/.hidden',
      '/a//b',
      '/a/',
      '/caf%C3%A9',
      '/café',
      '/a b',
      '/a?z=1&y=2',
      '/a#frag',
    ];
    for (const target of targets) expect(canonicalTarget(target)).toBe(viaUrl(target));
  });
});

describe('fingerprint digests', () => {
  it('are SHA-256 over the documented text, so records stored by earlier versions still match', () => {
    const expected = createHash('sha256')
      .update('POST\n/payments\nanonymous\njson\n{"a":1}')
      .digest('base64url');
    expect(
      fingerprintOf({ method: 'post', target: '/payments', principal: 'anonymous', body: { a: 1 } }),
    ).toBe(expected);
    expect(scopedKeyOf('global', 'p', 'k')).toBe(
      createHash('sha256').update('global\nk').digest('base64url'),
    );
  });
});

describe('fingerprintOf', () => {
  const base = {
    method: 'POST',
    target: '/payments',
    principal: 'anonymous',
    body: { amount: 1, currency: 'usd' },
  };

  it('is the same for the same request written differently', () => {
    expect(fingerprintOf(base)).toBe(fingerprintOf({ ...base, body: { currency: 'usd', amount: 1 } }));
    expect(fingerprintOf(base)).toBe(fingerprintOf({ ...base, method: 'post' }));
  });

  it('changes with the method, the target, the principal or the body', () => {
    const fp = fingerprintOf(base);
    expect(fingerprintOf({ ...base, method: 'PATCH' })).not.toBe(fp);
    expect(fingerprintOf({ ...base, target: '/payments/1' })).not.toBe(fp);
    expect(fingerprintOf({ ...base, principal: 'p2' })).not.toBe(fp);
    expect(fingerprintOf({ ...base, body: { amount: 2, currency: 'usd' } })).not.toBe(fp);
  });

  it('hashes a raw body as bytes, distinct from the same text as JSON', () => {
    expect(fingerprintOf({ ...base, body: Buffer.from('"x"') })).not.toBe(
      fingerprintOf({ ...base, body: 'x' }),
    );
  });
});

describe('scopedKeyOf', () => {
  it('is a 43-character base64url digest: the user key never reaches Redis', () => {
    expect(scopedKeyOf('principal', 'anonymous', 'a:{b}*')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('separates principals in principal scope and joins them in global scope', () => {
    expect(scopedKeyOf('principal', 'p1', 'k')).not.toBe(scopedKeyOf('principal', 'p2', 'k'));
    expect(scopedKeyOf('global', 'p1', 'k')).toBe(scopedKeyOf('global', 'p2', 'k'));
    expect(scopedKeyOf('global', 'p1', 'k')).not.toBe(scopedKeyOf('principal', 'p1', 'k'));
  });
});
