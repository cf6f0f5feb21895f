import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health.js';
import { HealthController } from './health.controller.js';
import { ReadinessService } from './health.readiness.js';
import { HealthRegistry } from './health.registry.js';
import { RedisHealthIndicator } from './redis.health.js';

/** `/health/live` and `/health/ready`; other modules add readiness checks through HealthRegistry. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthRegistry, RedisHealthIndicator, DatabaseHealthIndicator, ReadinessService],
  exports: [HealthRegistry, RedisHealthIndicator],
})
export class HealthModule {}
