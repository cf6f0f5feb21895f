import { applyDecorators, UseInterceptors, type NestInterceptor, type Type } from '@nestjs/common';
import type { ReflectableDecorator } from '@nestjs/core';
import { CacheEvictInterceptor } from './cache-evict.interceptor.js';
import { CacheInterceptor } from './cache.interceptor.js';
import { CacheableMetadata, CacheEvictMetadata } from './cache.metadata.js';
import type { CacheEntryOptions, CacheKey } from './cache.types.js';

/** What key and tag functions see: route params and query (HTTP) or the method's arguments. */
export interface CacheableContext {
  args: unknown[];
  params: Record<string, string>;
  query: Record<string, unknown>;
}

/** Options of @Cacheable. Durations as in CacheEntryOptions. */
export interface CacheableOptions extends Omit<CacheEntryOptions, 'tags'> {
  /**
   * The key. A string replaces the handler or method name; params and query (HTTP) or arguments (methods)
   * are appended. A function returns the whole key.
   */
  key?: string | ((ctx: CacheableContext) => CacheKey);
  tags?: readonly string[] | ((ctx: CacheableContext) => readonly string[]);
  /** Request headers whose values are part of the key (`accept-language`). HTTP only. */
  varyBy?: readonly string[];
  /**
   * One response for every caller. Without it, a request carrying credentials (Authorization, Cookie)
   * is cached under its principal and never answered to anybody else. HTTP only.
   */
  public?: boolean;
}

/** What eviction functions see: a write's params, query, body or arguments, and its result. */
export interface CacheEvictContext extends CacheableContext {
  body: unknown;
  result: unknown;
}

/** Options of @CacheEvict: tags and/or keys (of `namespace`) to invalidate after a successful call. */
export interface CacheEvictOptions {
  tags?: readonly string[] | ((ctx: CacheEvictContext) => readonly string[]);
  keys?: readonly CacheKey[] | ((ctx: CacheEvictContext) => readonly CacheKey[]);
  namespace?: string;
}

/**
 * Caches a GET handler's response (X-Cache: HIT | MISS | STALE | BYPASS) or a provider method's result.
 * Method metadata overrides class metadata; on providers only method metadata applies.
 * @example
 * @Cacheable({ ttl: '60s', grace: '10m', tags: ({ params }) => [`car:${params.id}`], public: true })
 * @Get(':id') getCar(@Param('id', ParseIntPipe) id: number) { ... }
 */
export const Cacheable = withInterceptor(CacheableMetadata, () => CacheInterceptor);

/**
 * Invalidates tags and keys once the decorated write succeeds, before its response is sent: every
 * instance has dropped the old values when the client sees the answer.
 * @example
 * @CacheEvict({ tags: ({ params }) => ['cars', `car:${params.id}`] })
 * @Patch(':id') update(...) { ... }
 */
export const CacheEvict = withInterceptor(CacheEvictMetadata, () => CacheEvictInterceptor);

/**
 * The metadata decorator plus its interceptor on the same target: a route pays for an interceptor only
 * when it uses it (a global one would wrap every route of the application in an Observable chain).
 * `KEY` stays the metadata's, so `reflector.get(Cacheable, target)` reads the options as before; on
 * provider methods the interceptor metadata is inert and `CacheExplorer` does the work.
 */
function withInterceptor<P, T>(
  metadata: ReflectableDecorator<P, T>,
  interceptor: () => Type<NestInterceptor>,
): ReflectableDecorator<P, T> {
  const decorator = (options?: P) => applyDecorators(metadata(options), UseInterceptors(interceptor()));
  return Object.assign(decorator, { KEY: metadata.KEY }) as ReflectableDecorator<P, T>;
}
