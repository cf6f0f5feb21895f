import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Bounds on what public writes can make Redis keep. */
export interface LeaderboardModuleOptions {
  /** Members a board keeps; past it the lowest scores are trimmed in the same Lua call (default 10,000). */
  maxMembers?: number;
  /** Boards that may exist; a write to a new board past it is refused (default 1,000). */
  maxBoards?: number;
}

/** forRoot / forRootAsync for LeaderboardModule. */
export const {
  ConfigurableModuleClass: LeaderboardConfigurableModule,
  MODULE_OPTIONS_TOKEN: LEADERBOARD_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<LeaderboardModuleOptions>().setClassMethodName('forRoot').build();
