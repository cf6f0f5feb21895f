import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { mergeMap, type Observable } from 'rxjs';
import { httpOf } from '../http/execution.js';
import { CacheEvictMetadata as CacheEvict } from './cache.metadata.js';
import { CacheService } from './cache.service.js';

/** Runs @CacheEvict after a successful handler and before its response is written. */
@Injectable()
export class CacheEvictInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = httpOf<{ params?: unknown; query?: unknown; body?: unknown }>(context)?.req;
    if (!req) return next.handle();
    const options = this.reflector.getAllAndOverride(CacheEvict, [context.getHandler(), context.getClass()]);
    if (!options) return next.handle();
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        await this.cache.evict(options, {
          args: [],
          params: (req.params ?? {}) as Record<string, string>,
          query: (req.query ?? {}) as Record<string, unknown>,
          body: req.body as unknown,
          result,
        });
        return result;
      }),
    );
  }
}
