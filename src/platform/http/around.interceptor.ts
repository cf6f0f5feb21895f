import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { defer, lastValueFrom, type Observable } from 'rxjs';
import { installAroundFastPath, type Around } from '../compat/nestjs-core.compat.js';

/** The rest of the chain: the next interceptor, or pipes and the handler. Resolves to the handler's value. */
export type Next = () => Promise<unknown>;

/**
 * An interceptor written as one async function around the rest of the chain: code before `await next()`
 * runs before the handler, code after it sees its value (an Observable handler's last value) or its
 * error. On an HTTP route whose interceptors are all of this kind, the platform calls `around` directly
 * instead of Nest's RxJS chain (`installAroundFastPath`); elsewhere (GraphQL resolvers, SSE routes, a
 * route that also has another interceptor) `intercept` adapts it to Nest's Observable form, which reduces
 * a stream to its last value too: an interceptor that must pass an SSE stream on event by event
 * overrides `intercept` (see `RedisUnavailableInterceptor`).
 * @example
 * @Injectable() export class Timing extends AroundInterceptor {
 *   async around(context: ExecutionContext, next: Next) { const t = performance.now(); try { return await next(); } finally { record(performance.now() - t); } }
 * }
 */
export abstract class AroundInterceptor implements NestInterceptor, Around {
  abstract around(context: ExecutionContext, next: Next): unknown;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return defer(async () =>
      this.around(context, () => lastValueFrom(next.handle(), { defaultValue: undefined })),
    );
  }
}

installAroundFastPath((interceptor): interceptor is Around => interceptor instanceof AroundInterceptor);
