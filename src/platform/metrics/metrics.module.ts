import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { RedisAdminController } from './redis-admin.controller.js';
import { RedisMetricsService } from './redis-metrics.service.js';

/** The Prometheus registry (global, so every platform module records into it) and `/metrics`. */
@Global()
@Module({
  controllers: [MetricsController, RedisAdminController],
  providers: [MetricsService, RedisMetricsService],
  exports: [MetricsService, RedisMetricsService],
})
export class MetricsModule {}
