import { HttpException, Injectable, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';
import { AroundInterceptor, type Next } from '../http/around.interceptor.js';
import { serviceUnavailable } from '../http/problem.js';

const CONNECTIVITY =
  /Command timed out|Connection is closed|isn't writeable|enableOfflineQueue|isn't ready|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY|Failed to refresh slots cache/;

/** True for an ioredis error that means "Redis is unreachable or not serving", not a bug in the call. */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof HttpException) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return true;
  return CONNECTIVITY.test(err.message);
}

function unavailable(err: unknown): unknown {
  return isRedisUnavailable(err) ? serviceUnavailable('Redis is unavailable; retry shortly', 1, err) : err;
}

/**
 * Answers 503 problem+json with `Retry-After: 1` when a handler fails because Redis is unreachable (the
 * request-path client fails fast), instead of the filter's 500: the features over Redis data structures
 * have no other source to fall back to.
 * @example
 * @UseInterceptors(RedisUnavailableInterceptor)
 * @Controller('leaderboards')
 */
@Injectable()
export class RedisUnavailableInterceptor extends AroundInterceptor {
  async around(_context: ExecutionContext, next: Next): Promise<unknown> {
    try {
      return await next();
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Nest's path (SSE routes, routes with other interceptors): a stream passes through event by event. */
  override intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((err: unknown) => {
        throw unavailable(err);
      }),
    );
  }
}
