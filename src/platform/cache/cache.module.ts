import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CacheAdminController } from './cache.controller.js';
import { CacheEngine } from './cache.engine.js';
import { CacheEvictInterceptor } from './cache-evict.interceptor.js';
import { CacheExplorer } from './cache.explorer.js';
import { CacheInterceptor } from './cache.interceptor.js';
import { CacheConfigurableModule } from './cache.module-definition.js';
import { CacheService } from './cache.service.js';

/**
 * Two-tier cache (L1 memory + L2 Redis) with cross-instance invalidation, stampede protection,
 * stale-while-revalidate and tags; @Cacheable / @CacheEvict on routes and provider methods;
 * `GET /admin/cache/stats`. Needs RedisModule; records into MetricsModule when it is present.
 * @example
 * CacheModule.forRootAsync({ inject: [cacheConfig.KEY], useFactory: (c: ConfigType<typeof cacheConfig>) => c })
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [CacheAdminController],
  providers: [
    CacheEngine,
    CacheService,
    CacheExplorer,
    // Not global: @Cacheable and @CacheEvict attach them to the routes that use them.
    CacheInterceptor,
    CacheEvictInterceptor,
  ],
  exports: [CacheService, CacheEngine, CacheInterceptor, CacheEvictInterceptor],
})
export class CacheModule extends CacheConfigurableModule {}
