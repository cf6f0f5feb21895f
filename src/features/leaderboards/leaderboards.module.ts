import { Module } from '@nestjs/common';
import { LeaderboardModule } from '../../platform/leaderboard/index.js';
import { LeaderboardsController } from './leaderboards.controller.js';

/** The leaderboards API over LeaderboardService. */
@Module({ imports: [LeaderboardModule], controllers: [LeaderboardsController] })
export class LeaderboardsModule {}
