import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
// The service file, not the index: the index pulls in the controller and @nestjs/throttler with it.
import { MetricsService } from '../metrics/metrics.service.js';
import { LockExplorer } from './lock.explorer.js';
import { LockInterceptor } from './lock.interceptor.js';
import { LOCK_METRICS, NO_LOCK_METRICS } from './lock.metrics.js';
import { LockConfigurableModule } from './lock.module-definition.js';
import { PrometheusLockMetrics } from './lock.prometheus.js';
import { LockService } from './lock.service.js';

/**
 * Distributed locks with fencing tokens: LockService, `@WithLock` on routes (LockInterceptor) and on
 * service methods (LockExplorer), `@FencingToken()`. Needs RedisModule; records into MetricsModule when
 * it is loaded. Global.
 * @example
 * LockModule.forRoot({ defaultTtlMs: 10_000 })
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    LockService,
    LockInterceptor,
    LockExplorer,
    {
      provide: LOCK_METRICS,
      inject: [{ token: MetricsService, optional: true }],
      useFactory: (metrics?: MetricsService) =>
        metrics ? new PrometheusLockMetrics(metrics) : NO_LOCK_METRICS,
    },
  ],
  exports: [LockService, LockInterceptor],
})
export class LockModule extends LockConfigurableModule {}
