export * from './leaderboard.module.js';
export * from './leaderboard.service.js';
export * from './leaderboard.types.js';
export * from './leaderboard.module-definition.js';
