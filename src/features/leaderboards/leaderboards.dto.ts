import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { MAX_SCORE } from '../../platform/leaderboard/index.js';

const BOARD = /^[A-Za-z0-9_.-]{1,64}$/;
const MEMBER = /^[^\p{Cc}]+$/u;

/** Path parameters of a board. */
export class BoardParams {
  @ApiProperty({ example: 'weekly', pattern: BOARD.source })
  @IsString()
  @Matches(BOARD, { message: 'board must be 1 to 64 characters of [A-Za-z0-9_.-]' })
  board!: string;
}

/** Path parameters of a member of a board. */
export class MemberParams extends BoardParams {
  @ApiProperty({ example: 'alice', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  @Matches(MEMBER, { message: 'member must hold no control characters' })
  member!: string;
}

/** Body of PUT /leaderboards/:board/members/:member: exactly one of `score` and `increment`. */
export class PutScoreDto {
  @ApiPropertyOptional({ description: 'sets the score', example: 120 })
  @ValidateIf((o: PutScoreDto) => o.score !== undefined) // null is a bad value, not an absent one
  @IsInt()
  @Min(-MAX_SCORE)
  @Max(MAX_SCORE)
  score?: number;

  @ApiPropertyOptional({ description: 'adds to the score (0 when absent)', example: 5 })
  @ValidateIf((o: PutScoreDto) => o.increment !== undefined)
  @IsInt()
  @Min(-MAX_SCORE)
  @Max(MAX_SCORE)
  increment?: number;
}

/** Query of GET /leaderboards/:board. */
export class BoardQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  offset?: number;
}

/** A member's score after a PUT. */
export class MemberScoreDto {
  @ApiProperty()
  board!: string;
  @ApiProperty()
  member!: string;
  @ApiProperty()
  score!: number;
}

/** A member's standing. */
export class StandingDto {
  @ApiProperty({ description: 'from 1: highest score first, ties by member ascending' })
  rank!: number;
  @ApiProperty()
  score!: number;
}

/** One row of a board. */
export class EntryDto extends StandingDto {
  @ApiProperty()
  member!: string;
}

/** A page of a board. */
export class BoardPageDto {
  @ApiProperty({ type: [EntryDto] })
  items!: EntryDto[];
  @ApiProperty()
  limit!: number;
  @ApiProperty()
  offset!: number;
  @ApiProperty({ description: 'members on the board' })
  total!: number;
}
