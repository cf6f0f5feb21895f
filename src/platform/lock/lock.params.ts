import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { httpOf } from '../http/execution.js';
import type { HeldLock } from './lock.context.js';

/** Where LockInterceptor leaves the held lock on the request. */
export const REQUEST_LOCK = Symbol('REQUEST_LOCK');

/** The lock a `@WithLock` route holds, read from its request; undefined outside such routes. */
export function requestLock(req: object): HeldLock | undefined {
  return (req as { [REQUEST_LOCK]?: HeldLock })[REQUEST_LOCK];
}

/**
 * The fencing token of the lock held by a `@WithLock` route (0 when the test-only switch is on); pass it
 * to the store, which rejects tokens older than one it has seen.
 * @example
 * create(@Body() dto: CreateBookingDto, @FencingToken() fence: number) {}
 */
export const FencingToken = createParamDecorator((_: unknown, ctx: ExecutionContext): number => {
  const lock = requestLock(httpOf<object>(ctx)?.req ?? {});
  if (!lock) throw new Error('@FencingToken() is used on a route without @WithLock');
  return lock.fencingToken;
});

/** The whole held lock of a `@WithLock` route (resource, fencing token, abort signal). */
export const CurrentLock = createParamDecorator((_: unknown, ctx: ExecutionContext): HeldLock => {
  const lock = requestLock(httpOf<object>(ctx)?.req ?? {});
  if (!lock) throw new Error('@CurrentLock() is used on a route without @WithLock');
  return lock;
});
