import { applyDecorators, SetMetadata } from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import type { RateLimitKeyFunction } from './rate-limit.types.js';

/** Metadata key prefix of `@RateLimit(name)`: `RATE_LIMIT:USE:<name>` -> RateLimitUse. */
export const RATE_LIMIT_USE = 'RATE_LIMIT:USE:';

/** What `@RateLimit` records for one policy on a route or controller. */
export interface RateLimitUse {
  /** Units this route consumes per request (weight); default the policy's cost, 1. */
  cost?: number;
  /** Composite key part taken from the request, replacing the policy's own (`login` uses the username). */
  keyBy?: RateLimitKeyFunction;
}

/** Options of `@RateLimit`: per-route cost and key, and @nestjs/throttler's per-route overrides. */
export interface RateLimitOptions extends RateLimitUse {
  /** Overrides the policy's limit on this route (milliseconds for `ttl` and `blockDuration`, as @Throttle). */
  limit?: number;
  ttl?: number;
  blockDuration?: number;
}

/**
 * Applies a named policy (configured in RateLimitModule, each overridable by `RATE_LIMIT_<NAME>`) to a
 * route or a controller. Stack it to apply several: all of them are checked and consumed in one Redis
 * call, all or nothing. Per-route limits go through @nestjs/throttler's `@Throttle` metadata, so the
 * stock mechanics (method overrides class, `@SkipThrottle({ upload: true })`) hold.
 * @example
 * @Post('sessions')
 * @RateLimit('upload')                      // 20/60s per principal or IP (RATE_LIMIT_UPLOAD)
 * createSession() {}
 *
 * @Post('exports')
 * @RateLimit('export', { cost: 2 })         // this route weighs two units of the export quota
 * create() {}
 *
 * @Post('login')
 * @RateLimit('login', { keyBy: (req) => (req.body as { user?: string })?.user })
 * login() {}
 */
export function RateLimit(policy: string, options: RateLimitOptions = {}): MethodDecorator & ClassDecorator {
  const { limit, ttl, blockDuration, cost, keyBy } = options;
  if (cost !== undefined && (!Number.isSafeInteger(cost) || cost < 1)) {
    throw new Error(`@RateLimit('${policy}'): cost must be a positive integer, got ${cost}`);
  }
  const use: RateLimitUse = { cost, keyBy };
  const decorators: (MethodDecorator & ClassDecorator)[] = [SetMetadata(RATE_LIMIT_USE + policy, use)];
  if (limit !== undefined || ttl !== undefined || blockDuration !== undefined) {
    decorators.push(Throttle({ [policy]: { limit, ttl, blockDuration } }));
  }
  return applyDecorators(...decorators);
}
