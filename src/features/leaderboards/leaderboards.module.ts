import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { leaderboardLimitsConfig } from '../../config/app.config.js';
import { LeaderboardModule } from '../../platform/leaderboard/index.js';
import { LeaderboardsController } from './leaderboards.controller.js';

/** The leaderboards API over LeaderboardService, bounded by LEADERBOARD_MAX_MEMBERS and _MAX_BOARDS. */
@Module({
  imports: [
    LeaderboardModule.forRootAsync({
      imports: [ConfigModule.forFeature(leaderboardLimitsConfig)],
      inject: [leaderboardLimitsConfig.KEY],
      useFactory: (c: ConfigType<typeof leaderboardLimitsConfig>) => c,
    }),
  ],
  controllers: [LeaderboardsController],
  exports: [LeaderboardModule],
})
export class LeaderboardsModule {}
