// What the platform relies on in @nestjs/core beyond its documented API, in one place. Each export is
// checked by nestjs-core.compat.spec.ts (the interceptor fast path by http/around.interceptor.spec.ts),
// which fails when a Nest upgrade changes it.

import type { ExecutionContext } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { InterceptorsConsumer } from '@nestjs/core/internal';
import { SSE_METADATA } from './nestjs-common.compat.js';

/**
 * The application's configuration, injectable in any provider; the cache interceptor reads the global
 * interceptors registered before it (`getGlobalInterceptors`, `getGlobalRequestInterceptors`) to know
 * whether anything could change a response body after it.
 */
export { ApplicationConfig } from '@nestjs/core';

/**
 * `ExecutionContextHost` (from `@nestjs/core/internal`, the entry point Nest keeps for its sibling
 * packages): an ExecutionContext made by hand, so `GET /rate-limit/status` can plan the guard for
 * every discovered route without a request to it.
 */
export { ExecutionContextHost } from '@nestjs/core/internal';

/**
 * Whether the pipes of `request` rejected it (its handler never ran): the idempotency interceptor then
 * stores no result under the key. Nest 12 marks such a request with a registered symbol.
 */
export { isRejectedByPipes } from '@nestjs/core/internal';

/** An interceptor that runs as one async function around the rest of the chain (see `AroundInterceptor`). */
export interface Around {
  around(context: ExecutionContext, next: () => Promise<unknown>): unknown;
}

type Intercept = (
  this: InterceptorsConsumer,
  interceptors: unknown[],
  args: unknown[],
  instance: object,
  callback: (...a: unknown[]) => unknown,
  next: () => Promise<unknown>,
  type?: string,
) => Promise<unknown>;

let installed = false;

/**
 * Runs the interceptors of an HTTP route as nested async calls when every one of them is `Around`,
 * instead of through `InterceptorsConsumer.intercept`'s RxJS chain (a `defer`, a `mergeAll` and an
 * AsyncResource per interceptor, a `defer` and an Observable around the handler): 13 of the 66 KB a
 * locked request allocated on Fastify. The order is Nest's: guards, then the interceptors outermost first,
 * then pipes and the handler (`next`); errors reach the exception filters as before. A handler's
 * Observable is reduced to its last value, as Nest does for any non-SSE response. SSE routes, other
 * context types (GraphQL) and routes with any other interceptor keep Nest's path, where `Around`
 * interceptors run through their `intercept`. Installed once per process; a no-op after.
 */
export function installAroundFastPath(isAround: (interceptor: unknown) => interceptor is Around): void {
  if (installed) return;
  installed = true;
  const proto = InterceptorsConsumer.prototype as unknown as {
    intercept: Intercept;
    createContext(
      args: unknown[],
      instance: object,
      callback: unknown,
    ): ExecutionContext & {
      setType(type: string): void;
    };
  };
  const original = proto.intercept;
  proto.intercept = function (interceptors, args, instance, callback, next, type) {
    if (
      type !== 'http' ||
      !interceptors?.length ||
      !interceptors.every(isAround) ||
      Reflect.getMetadata(SSE_METADATA, callback)
    ) {
      return original.call(this, interceptors, args, instance, callback, next, type);
    }
    const context = proto.createContext.call(this, args, instance, callback);
    context.setType(type);
    const chain = interceptors as Around[];
    const handler = async () => {
      const result = await next();
      return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
    };
    const run = async (i: number): Promise<unknown> =>
      i === chain.length ? handler() : chain[i]!.around(context, () => run(i + 1));
    return run(0);
  };
}
