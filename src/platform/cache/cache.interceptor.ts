import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, map, type Observable } from 'rxjs';
import { Cacheable } from './cache.decorators.js';
import { httpCacheKey } from './cache.http-key.js';
import { CacheService } from './cache.service.js';

/**
 * Serves @Cacheable GET handlers from the cache and says how in `X-Cache`. The handler (and its pipes)
 * runs only on a miss or a background refresh; errors are never cached. Other methods pass through
 * with `X-Cache: BYPASS`.
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const options = this.reflector.getAllAndOverride(Cacheable, [context.getHandler(), context.getClass()]);
    if (!options) return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('X-Cache', 'BYPASS');
      return next.handle();
    }
    const { namespace, key, ctx } = httpCacheKey(options, {
      className: context.getClass().name,
      handler: context.getHandler().name,
      req,
    });
    const tags = typeof options.tags === 'function' ? options.tags(ctx) : options.tags;
    const entry = { namespace, ttl: options.ttl, grace: options.grace, tags, l1: options.l1 };
    const loader = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    return from(this.cache.fetch(key, loader, entry)).pipe(
      map((result) => {
        res.setHeader('X-Cache', result.status);
        return result.value;
      }),
    );
  }
}
