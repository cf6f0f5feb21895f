import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import {
  IDEMPOTENCY_MODULE_OPTIONS,
  IdempotencyConfigurableModule,
} from './idempotency.module-definition.js';
import { RedisIdempotencyStore } from './idempotency.redis-store.js';
import { IdempotencyService } from './idempotency.service.js';
import { IdempotencyStore } from './idempotency.store.js';
import { IdempotencyTestHooks } from './idempotency.test-hooks.js';

/**
 * `@Idempotent()` for POST and PATCH routes, on Redis (RedisModule must be imported, globally). Global by
 * default so that the interceptor the decorator names resolves in every feature module.
 * @example
 * IdempotencyModule.forRootAsync({ inject: [idempotencyConfig.KEY], useFactory: (c: ConfigType<typeof idempotencyConfig>) => c })
 */
@Module({
  providers: [
    { provide: IdempotencyStore, useClass: RedisIdempotencyStore },
    IdempotencyService,
    IdempotencyTestHooks,
    IdempotencyInterceptor,
  ],
  exports: [
    IdempotencyStore,
    IdempotencyService,
    IdempotencyTestHooks,
    IdempotencyInterceptor,
    IDEMPOTENCY_MODULE_OPTIONS,
  ],
})
export class IdempotencyModule extends IdempotencyConfigurableModule {}
