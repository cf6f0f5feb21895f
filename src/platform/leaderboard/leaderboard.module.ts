import { Module } from '@nestjs/common';
import { LeaderboardService } from './leaderboard.service.js';

/** Sorted-set leaderboards over RedisModule (no options). */
@Module({ providers: [LeaderboardService], exports: [LeaderboardService] })
export class LeaderboardModule {}
