import { Body, Controller, Get, Param, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ProblemException } from '../../platform/http/index.js';
import {
  LeaderboardLimitError,
  LeaderboardRangeError,
  LeaderboardService,
} from '../../platform/leaderboard/index.js';
import { RedisUnavailableInterceptor } from '../../platform/unavailable/index.js';
import {
  BoardPageDto,
  BoardParams,
  BoardQuery,
  MemberParams,
  MemberScoreDto,
  PutScoreDto,
  StandingDto,
} from './leaderboards.dto.js';
import { Public, Roles } from '../../platform/auth/index.js';

const badRequest = (field: string, message: string, cause?: unknown) =>
  new ProblemException(400, 'validation-error', 'Bad Request', {
    detail: `${field}: ${message}`,
    errors: [{ field, messages: [message] }],
    cause,
  });

/** Leaderboards: highest score first, ties by member name ascending, exact integer scores. */
@ApiTags('leaderboards')
@UseInterceptors(RedisUnavailableInterceptor)
@Controller('leaderboards')
export class LeaderboardsController {
  constructor(private readonly boards: LeaderboardService) {}

  /** Sets (`score`) or adds to (`increment`) a member's score: one Lua call, which keeps the board bounded. */
  @Put(':board/members/:member')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOkResponse({ type: MemberScoreDto })
  @ApiConflictResponse({ description: 'a new board when LEADERBOARD_MAX_BOARDS boards exist' })
  async put(@Param() p: MemberParams, @Body() dto: PutScoreDto): Promise<MemberScoreDto> {
    if ((dto.score === undefined) === (dto.increment === undefined)) {
      throw badRequest('score', 'exactly one of score and increment is required');
    }
    try {
      const score =
        dto.score !== undefined
          ? await this.boards.setScore(p.board, p.member, dto.score)
          : await this.boards.increment(p.board, p.member, dto.increment!);
      return { board: p.board, member: p.member, score };
    } catch (err) {
      if (err instanceof LeaderboardRangeError) throw badRequest('increment', err.message, err);
      if (err instanceof LeaderboardLimitError)
        throw new ProblemException(409, 'too-many-boards', 'Conflict', { detail: err.message, cause: err });
      throw err;
    }
  }

  /** A page of the board: ZRANGE WITHSCORES and ZCARD in one round trip. */
  @Public()
  @Get(':board')
  @ApiOkResponse({ type: BoardPageDto })
  async page(@Param() p: BoardParams, @Query() q: BoardQuery): Promise<BoardPageDto> {
    const limit = q.limit ?? 10;
    const offset = q.offset ?? 0;
    const { items, total } = await this.boards.top(p.board, offset, limit);
    return { items, limit, offset, total };
  }

  /** A member's rank and score (one Lua call), 404 when not on the board. */
  @Public()
  @Get(':board/members/:member')
  @ApiOkResponse({ type: StandingDto })
  async member(@Param() p: MemberParams): Promise<StandingDto> {
    const standing = await this.boards.standing(p.board, p.member);
    if (!standing) {
      throw new ProblemException(404, 'not-found', 'Not Found', {
        detail: `${p.member} is not on board ${p.board}`,
      });
    }
    return standing;
  }
}
