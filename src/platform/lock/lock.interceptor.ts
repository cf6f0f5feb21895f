import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AroundInterceptor, type Next } from '../http/around.interceptor.js';
import { httpOf } from '../http/execution.js';
import { WITH_LOCK, type WithLockMetadata } from './lock.metadata.js';
import { REQUEST_LOCK } from './lock.params.js';
import { LockService } from './lock.service.js';

/** What the lock reads of Express's or Fastify's request. */
type LockRequest = { params?: unknown; query?: unknown; body?: unknown; [REQUEST_LOCK]?: unknown };

/**
 * Behaviour of `@WithLock` on routes: resolves the key from the request (params, query, raw body),
 * runs the handler inside `LockService.run` and leaves the held lock on the request for
 * `@FencingToken()`. Errors from the lock (409 lock-busy, 503, 400 for a bad key part) stop the request
 * before the handler.
 */
@Injectable()
export class LockInterceptor extends AroundInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly locks: LockService,
  ) {
    super();
  }

  around(context: ExecutionContext, next: Next): unknown {
    const metadata = this.reflector.getAllAndOverride<WithLockMetadata | undefined>(WITH_LOCK, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = metadata && httpOf<LockRequest>(context)?.req;
    // @WithLock on both the class and the method registers this interceptor twice: lock once.
    if (!req || req[REQUEST_LOCK]) return next();
    const parts = metadata.resolve({
      params: req.params as Record<string, string>,
      query: req.query as Record<string, unknown>,
      body: req.body as unknown,
    });
    return this.locks.run(
      parts,
      (lock) => {
        req[REQUEST_LOCK] = lock;
        return next();
      },
      metadata.options,
    );
  }
}
