import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AroundInterceptor, type Next } from '../http/around.interceptor.js';
import { httpOf } from '../http/execution.js';
import { CacheEvictMetadata as CacheEvict } from './cache.metadata.js';
import { CacheService } from './cache.service.js';

/** Runs @CacheEvict after a successful handler and before its response is written. */
@Injectable()
export class CacheEvictInterceptor extends AroundInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
  ) {
    super();
  }

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    const req = httpOf<{ params?: unknown; query?: unknown; body?: unknown }>(context)?.req;
    if (!req) return next();
    const options = this.reflector.getAllAndOverride(CacheEvict, [context.getHandler(), context.getClass()]);
    if (!options) return next();
    const result = await next();
    await this.cache.evict(options, {
      args: [],
      params: (req.params ?? {}) as Record<string, string>,
      query: (req.query ?? {}) as Record<string, unknown>,
      body: req.body as unknown,
      result,
    });
    return result;
  }
}
