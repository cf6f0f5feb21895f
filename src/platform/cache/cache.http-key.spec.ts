import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { cacheScope, canonicalJson, httpCacheKey } from './cache.http-key.js';

const req = (headers: Record<string, string> = {}, query: Record<string, unknown> = {}) =>
  ({ headers, params: { id: '42' }, query }) as unknown as Request;
const target = (r: Request) => ({ className: 'CarsController', handler: 'get', req: r });

describe('HTTP cache keys', () => {
  it('orders query keys canonically', () => {
    expect(canonicalJson({ b: 2, a: [1, { d: 1, c: 2 }] })).toBe('{"a":[1,{"c":2,"d":1}],"b":2}');
    const k1 = httpCacheKey({}, target(req({}, { a: '1', b: '2' }))).key;
    const k2 = httpCacheKey({}, target(req({}, { b: '2', a: '1' }))).key;
    expect(k1).toEqual(k2);
  });

  it('scopes responses by principal unless the route is public', () => {
    expect(cacheScope(req(), false)).toEqual(['anon']);
    const alice = cacheScope(req({ authorization: 'Bearer alice-token' }), false);
    const bob = cacheScope(req({ authorization: 'Bearer bob-token' }), false);
    expect(alice[0]).toBe('u');
    expect(alice).not.toEqual(bob);
    const cookieA = cacheScope(req({ cookie: 'sid=a' }), false);
    const cookieB = cacheScope(req({ cookie: 'sid=b' }), false);
    expect(cookieA).not.toEqual(cookieB);
    expect(cookieA).not.toEqual(['anon']);
    expect(cacheScope(req({ authorization: 'Bearer alice-token' }), true)).toEqual(['pub']);
  });

  it('derives the namespace from the controller and appends params, vary headers and scope', () => {
    const { namespace, key } = httpCacheKey(
      { varyBy: ['Accept-Language'] },
      target(req({ 'accept-language': 'fr' })),
    );
    expect(namespace).toBe('cars');
    expect(key).toEqual(['get', 'id', '42', 'v', '["fr"]', 'anon']);
  });
});
