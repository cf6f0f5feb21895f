import { Module, type CanActivate } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { KeyBuilder, REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { RateLimitExplorer } from './rate-limit.explorer.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RATE_LIMIT_MODULE_OPTIONS, RateLimitConfigurableModule } from './rate-limit.module-definition.js';
import { RateLimitMetrics } from './rate-limit.metrics.js';
import { RateLimiter } from './rate-limit.service.js';
import { RateLimitStatusController } from './rate-limit.status.controller.js';
import { RedisThrottlerStorage } from './rate-limit.storage.js';
import { RateLimitStore } from './rate-limit.store.js';
import type { RateLimitModuleOptions } from './rate-limit.types.js';

/**
 * Rate limiting on @nestjs/throttler: its module, `@Throttle` / `@SkipThrottle` and guard mechanics, with
 * a global RateLimitGuard that decides every policy of a request in one Redis Lua call, the standard
 * headers, a per-instance fallback and a block list, plus `GET /rate-limit/status`. Global: feature
 * modules only use `@RateLimit(name)` (or `@Throttle` / `@SkipThrottle`) on their routes.
 * @example
 * RateLimitModule.forRootAsync({ inject: [rateLimitConfig.KEY], useFactory: (c: ConfigType<typeof rateLimitConfig>) => c })
 */
@Module({
  imports: [
    DiscoveryModule,
    ThrottlerModule.forRootAsync({
      inject: [RATE_LIMIT_MODULE_OPTIONS, RedisThrottlerStorage],
      useFactory: (options: RateLimitModuleOptions, storage: RedisThrottlerStorage) => ({
        throttlers: options.policies.map((p) => ({ name: p.name, limit: p.limit, ttl: p.windowMs })),
        storage,
        getTracker: options.getTracker,
      }),
    }),
  ],
  controllers: [RateLimitStatusController],
  providers: [
    {
      provide: RateLimitStore,
      inject: [REDIS_CLIENT],
      useFactory: (c: RedisClient) => new RateLimitStore(c),
    },
    {
      provide: RateLimiter,
      inject: [RateLimitStore, RATE_LIMIT_MODULE_OPTIONS],
      useFactory: (store: RateLimitStore, o: RateLimitModuleOptions) =>
        new RateLimiter(store, {
          redisBudgetMs: o.redisBudgetMs ?? 200,
          retryRedisAfterMs: o.retryRedisAfterMs ?? 1000,
          maxLocalEntries: o.maxLocalEntries ?? 100_000,
        }),
    },
    {
      provide: RedisThrottlerStorage,
      inject: [RateLimiter, KeyBuilder, RATE_LIMIT_MODULE_OPTIONS],
      useFactory: (limiter: RateLimiter, keys: KeyBuilder, o: RateLimitModuleOptions) =>
        new RedisThrottlerStorage(limiter, keys, o.policies),
    },
    RateLimitMetrics,
    RateLimitExplorer,
    RateLimitGuard,
    {
      provide: APP_GUARD,
      inject: [RateLimitGuard],
      useFactory: (guard: RateLimitGuard): CanActivate => ({ canActivate: (ctx) => guard.decide(ctx) }),
    },
  ],
  exports: [RATE_LIMIT_MODULE_OPTIONS, RateLimiter, RedisThrottlerStorage, RateLimitGuard],
})
export class RateLimitModule extends RateLimitConfigurableModule {}
