import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { datastructsConfig } from '../../config/app.config.js';
import { CountersModule } from '../../platform/counters/index.js';
import { AnalyticsController } from './analytics.controller.js';

/** Page analytics over the per-day counters (retention: ANALYTICS_RETENTION_DAYS, default 90). */
@Module({
  imports: [
    CountersModule.forRootAsync({
      imports: [ConfigModule.forFeature(datastructsConfig)],
      inject: [datastructsConfig.KEY],
      useFactory: (c: ConfigType<typeof datastructsConfig>) => ({
        retentionDays: c.analyticsRetentionDays,
        // A range reads one key per day: no point reading further back than the data is kept.
        maxRangeDays: c.analyticsRetentionDays + 1,
        maxSubjectsPerDay: c.analyticsMaxPathsPerDay,
      }),
    }),
  ],
  controllers: [AnalyticsController],
})
export class AnalyticsModule {}
