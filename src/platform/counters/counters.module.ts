import { Module } from '@nestjs/common';
import { CountersConfigurableModule, COUNTERS_MODULE_OPTIONS } from './counters.module-definition.js';
import { DailyCountersService } from './counters.service.js';

/**
 * Per-day counters and unique members (INCRBY + HyperLogLog) over RedisModule.
 * @example
 * CountersModule.forRootAsync({ inject: [datastructsConfig.KEY], useFactory: (c) => ({ retentionDays: c.analyticsRetentionDays }) })
 */
@Module({
  providers: [DailyCountersService],
  exports: [DailyCountersService, COUNTERS_MODULE_OPTIONS],
})
export class CountersModule extends CountersConfigurableModule {}
