import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { setPrincipal } from '../http/principal.js';
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
    // A verified principal (set by AuthModule's guard) scopes by its sub; two tokens of one sub share.
    const verified = (sub: string, token: string) => {
      const r = req({ authorization: `Bearer ${token}` });
      setPrincipal(r, { sub, roles: [], tokenId: token });
      return r;
    };
    const alice = cacheScope(verified('alice', 'a1'), false);
    expect(alice).toEqual(['u', 'alice']);
    expect(cacheScope(verified('alice', 'a2'), false)).toEqual(alice);
    expect(cacheScope(verified('bob', 'b1'), false)).not.toEqual(alice);
    // Credentials nothing verified (another scheme, or no AuthModule) are scoped by their digest.
    const basicA = cacheScope(req({ authorization: 'Basic YTpi' }), false);
    expect(basicA[0]).toBe('c');
    expect(cacheScope(req({ authorization: 'Basic Yzpk' }), false)).not.toEqual(basicA);
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
