import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { LockInterceptor } from './lock.interceptor.js';
import { compileKey } from './lock.keys.js';
import { WITH_LOCK, type WithLockMetadata } from './lock.metadata.js';
import type { WithLockOptions } from './lock.types.js';

/**
 * Runs a route handler or a service method under a distributed lock (LockService.using: auto-extended,
 * released after, fencing token in the context). On routes a busy lock answers 409 problem+json
 * `lock-busy` with `Retry-After`; a Redis failure answers 503 and the handler does not run. Service
 * methods are wrapped by LockExplorer at module init (they then return a Promise). Method metadata
 * overrides class metadata. The template's syntax is checked here, and LockExplorer checks at module start
 * that its placeholders exist (route path parameters, declared method arguments). A locked service
 * method finds the lock it runs under with `LockContext.current()`.
 * @example
 * @Post(':carId/bookings')
 * @WithLock({ key: 'car:{params.carId}', ttlMs: 5000, waitMs: 2000 })
 * book(@Param('carId') carId: string, @FencingToken() fence: number) {}
 *
 * @WithLock({ key: 'car:{args.0.carId}' })  // on a service method
 * async book(input: BookingInput) { const lock = LockContext.current()!; }
 */
export function WithLock(options: WithLockOptions): MethodDecorator & ClassDecorator {
  const { key, ...rest } = options;
  const metadata: WithLockMetadata = {
    options: rest,
    resolve: compileKey(key),
    template: typeof key === 'string' ? key : undefined,
  };
  return applyDecorators(SetMetadata(WITH_LOCK, metadata), UseInterceptors(LockInterceptor));
}
