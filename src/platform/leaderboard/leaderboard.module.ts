import { Module } from '@nestjs/common';
import { LeaderboardConfigurableModule } from './leaderboard.module-definition.js';
import { LeaderboardService } from './leaderboard.service.js';

/**
 * Sorted-set leaderboards over RedisModule, bounded in members per board and in boards.
 * @example LeaderboardModule.forRoot({ maxMembers: 10_000, maxBoards: 1_000 })
 */
@Module({ providers: [LeaderboardService], exports: [LeaderboardService] })
export class LeaderboardModule extends LeaderboardConfigurableModule {}
