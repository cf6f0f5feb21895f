/** One row of a board: rank from 1, highest score first, ties by member ascending. */
export interface LeaderboardEntry {
  rank: number;
  member: string;
  score: number;
}

/** A member's standing. */
export interface LeaderboardStanding {
  rank: number;
  score: number;
}

/** Scores are integers whose magnitude stays within this bound, so a double holds them exactly. */
export const MAX_SCORE = Number.MAX_SAFE_INTEGER;

/** An increment that would take a score beyond {@link MAX_SCORE}. */
export class LeaderboardRangeError extends Error {
  readonly code = 'LEADERBOARD_SCORE_RANGE';
}

/** A write to a new board when the maximum number of boards exists. */
export class LeaderboardLimitError extends Error {
  readonly code = 'LEADERBOARD_LIMIT';
}
