import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { Throttle } from '@nestjs/throttler';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { Public } from '../../platform/auth/index.js';
import { LeaderboardService } from '../../platform/leaderboard/index.js';
import { LeaderboardPage } from './graphql.types.js';
import { ArgsType, Field } from '@nestjs/graphql';

/** Requests per minute per caller of `leaderboard` (its own limit, like a `@Throttle` route). */
export const LEADERBOARD_QUERIES_PER_MINUTE = 30;

@ArgsType()
class LeaderboardArgs {
  @Field()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'board must be 1 to 64 characters of [A-Za-z0-9_.-]' })
  board!: string;

  @Field(() => Int, { nullable: true, defaultValue: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/**
 * Leaderboards over GraphQL: the top of a board, live (no cache hint: never in the result cache), limited
 * per caller with `@Throttle` as a route would be.
 */
@Resolver()
export class LeaderboardsResolver {
  constructor(private readonly boards: LeaderboardService) {}

  @Public()
  @Throttle({ default: { limit: LEADERBOARD_QUERIES_PER_MINUTE, ttl: 60_000 } })
  @Query(() => LeaderboardPage, {
    complexity: ({ args, childComplexity }) => 1 + childComplexity * Number(args.limit ?? 10),
  })
  async leaderboard(@Args() { board, limit }: LeaderboardArgs): Promise<LeaderboardPage> {
    const size = limit ?? 10;
    const { items, total } = await this.boards.top(board, 0, size);
    return { items, limit: size, total };
  }
}
