import { createHash } from 'node:crypto';
import { principalOf } from '../http/index.js';
import type { KeyPart } from '../redis/index.js';
import type { CacheableContext, CacheableOptions } from './cache.decorators.js';
import { CacheKeys } from './cache.keys.js';

/** What the cache key is made of, on Express's request or Fastify's alike. */
export interface CacheRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: unknown;
  query?: unknown;
}

/** Stable JSON: object keys sorted, so `?a=1&b=2` and `?b=2&a=1` share an entry. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Who a cached response belongs to: `pub` on public routes, `anon` without credentials, the verified
 * principal's `sub` (hashed by KeyBuilder when it is not plain) with a bearer token alone, else a digest of every credential the
 * request carries (another Authorization scheme, cookies), so no credential-bearing request shares.
 */
export function cacheScope(req: CacheRequest, isPublic: boolean): KeyPart[] {
  if (isPublic) return ['pub'];
  const auth = req.headers.authorization;
  const cookie = req.headers.cookie;
  const principal = principalOf(req);
  if (principal && !cookie) return ['u', principal.sub];
  if (!auth && !cookie) return ['anon'];
  const digest = createHash('sha256')
    .update(`${auth ?? ''}\n${cookie ?? ''}`)
    .digest('hex');
  return ['c', digest];
}

/** The namespace and key of a cached HTTP response. */
export function httpCacheKey(
  options: CacheableOptions,
  target: { className: string; handler: string; req: CacheRequest },
): { namespace: string; key: KeyPart[]; ctx: CacheableContext } {
  const { req } = target;
  const ctx: CacheableContext = {
    args: [],
    params: (req.params ?? {}) as Record<string, string>,
    query: (req.query ?? {}) as Record<string, unknown>,
  };
  const namespace =
    options.namespace ?? (target.className.replace(/(Controller|Resolver)$/, '').toLowerCase() || 'http');
  let key: KeyPart[];
  if (typeof options.key === 'function') key = CacheKeys.parts(options.key(ctx));
  else {
    key = options.key ? CacheKeys.parts(options.key) : [target.handler];
    for (const name of Object.keys(ctx.params).sort()) key.push(name, ctx.params[name]!);
    if (Object.keys(ctx.query).length > 0) key.push('q', canonicalJson(ctx.query));
  }
  if (options.varyBy?.length) {
    key.push('v', canonicalJson(options.varyBy.map((h) => req.headers[h.toLowerCase()] ?? null)));
  }
  return { namespace, key: [...key, ...cacheScope(req, options.public === true)], ctx };
}
