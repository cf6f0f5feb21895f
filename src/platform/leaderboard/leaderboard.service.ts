import { Inject, Injectable } from '@nestjs/common';
import { KeyBuilder, LuaScripts, REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import {
  LEADERBOARD_MODULE_OPTIONS,
  type LeaderboardModuleOptions,
} from './leaderboard.module-definition.js';
import {
  LeaderboardLimitError,
  LeaderboardRangeError,
  MAX_SCORE,
  type LeaderboardEntry,
  type LeaderboardStanding,
} from './leaderboard.types.js';

/** Negation that never yields -0 (a stored 0 comes back as "-0"). */
const neg = (stored: string | number): number => 0 - Number(stored);

/**
 * Leaderboards on one sorted set per board (`{prefix}:lb:{board}`), highest score first and ties by
 * member ascending, with exact integer scores.
 *
 * The encoding: each score is stored negated. ZRANGE / ZRANK order ascending by stored score, that is
 * descending by score, and Redis orders equal scores by member bytes ascending: exactly the wanted tie
 * order, with no second structure and no composite member. (ZREVRANGE would give ties in descending
 * member order.) Negation is exact for doubles, and scores are kept to integers within ±(2^53 - 1), so
 * every score reads back as written. Member order is byte order of UTF-8, which is code point order.
 * @example
 * await boards.setScore('weekly', 'alice', 120);
 * await boards.increment('weekly', 'bob', 5);
 * const { items } = await boards.top('weekly', 0, 10); // [{ rank: 1, member: 'alice', score: 120 }, ...]
 */
@Injectable()
export class LeaderboardService {
  private readonly maxMembers: number;
  private readonly maxBoards: number;
  /** Boards admitted into the bounded set: never removed from it, so remembering them is sound. */
  private readonly admitted = new Set<string>();

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly scripts: LuaScripts,
    private readonly keys: KeyBuilder,
    @Inject(LEADERBOARD_MODULE_OPTIONS) options: LeaderboardModuleOptions,
  ) {
    this.maxMembers = options.maxMembers ?? 10_000;
    this.maxBoards = options.maxBoards ?? 1_000;
  }

  /** The set of board names: the bound on boards (`{prefix}:lb:meta:boards`; a board name has no colon). */
  boardsKey(): string {
    return this.keys.key('lb', 'meta', 'boards');
  }

  /** Admits a board into the bounded set (one Lua call the first time an instance writes to it). */
  private async admit(board: string): Promise<void> {
    if (this.admitted.has(board)) return;
    const ok = await this.scripts.run<number>(
      'leaderboard-board',
      [this.boardsKey()],
      [board, this.maxBoards],
    );
    if (Number(ok) !== 1)
      throw new LeaderboardLimitError(`there are already ${this.maxBoards} boards: no new board is accepted`);
    this.admitted.add(board);
  }

  private async write(board: string, member: string, value: number, set: boolean): Promise<number> {
    await this.admit(board);
    try {
      const [score] = await this.scripts.run<[number, number]>(
        'leaderboard-incr',
        [this.key(board)],
        [member, value, MAX_SCORE, this.maxMembers, set ? '1' : '0'],
      );
      return Number(score);
    } catch (err) {
      if ((err as Error).message?.startsWith('LB_RANGE')) {
        throw new LeaderboardRangeError(`${member}'s score would leave ±${MAX_SCORE}`, { cause: err });
      }
      throw err;
    }
  }

  /** The sorted set of a board. */
  key(board: string): string {
    return this.keys.key('lb', board);
  }

  /**
   * Sets a member's score (one Lua call: ZADD, then the lowest trimmed past `maxMembers`).
   * @throws LeaderboardLimitError when the board is new and `maxBoards` boards exist.
   */
  async setScore(board: string, member: string, score: number): Promise<number> {
    assertScore(score);
    return this.write(board, member, score, true);
  }

  /**
   * Adds `by` to a member's score (0 when absent) and returns the new score: one Lua call, which trims the
   * lowest scores past `maxMembers` (the member itself, when its score is the lowest).
   * @throws LeaderboardRangeError when the result would leave ±(2^53 - 1).
   * @throws LeaderboardLimitError when the board is new and `maxBoards` boards exist.
   */
  async increment(board: string, member: string, by: number): Promise<number> {
    assertScore(by);
    return this.write(board, member, by, false);
  }

  /**
   * `limit` entries from 0-based `offset`, highest score first, and the board's size: ZRANGE WITHSCORES
   * and ZCARD, auto-pipelined into one round trip.
   */
  async top(
    board: string,
    offset: number,
    limit: number,
  ): Promise<{ items: LeaderboardEntry[]; total: number }> {
    const key = this.key(board);
    const [reply, total] = await Promise.all([
      this.redis.zrange(key, String(offset), String(offset + limit - 1), 'WITHSCORES'),
      this.redis.zcard(key),
    ]);
    const pairs = toPairs(reply as unknown[]);
    const items = pairs.map(([member, score], i) => ({ rank: offset + i + 1, member, score: neg(score) }));
    return { items, total };
  }

  /** A member's rank (from 1) and score, read atomically by one Lua call; null when absent. */
  async standing(board: string, member: string): Promise<LeaderboardStanding | null> {
    const found = await this.scripts.run<[number, string] | null>(
      'leaderboard-rank',
      [this.key(board)],
      [member],
    );
    return found ? { rank: found[0] + 1, score: neg(found[1]) } : null;
  }
}

/** WITHSCORES replies: flat `[m, s, m, s]` (RESP2) or `[[m, s], ...]` (RESP3), scores as strings or numbers. */
function toPairs(reply: unknown[]): [string, string | number][] {
  if (reply.length > 0 && Array.isArray(reply[0])) return reply as [string, string | number][];
  const pairs: [string, string | number][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), reply[i + 1] as string]);
  return pairs;
}

function assertScore(value: number): void {
  if (!Number.isSafeInteger(value))
    throw new LeaderboardRangeError(`not an integer within ±${MAX_SCORE}: ${value}`);
}
