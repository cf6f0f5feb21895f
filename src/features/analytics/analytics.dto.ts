import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches, ValidateBy, IsOptional } from 'class-validator';
import { isDay } from '../../platform/counters/index.js';

/** A page path: starts with `/`, no control characters, at most 512 characters (bounds the keys it names). */
const PATH = /^\/[^\p{Cc}]*$/u;
/** Longest page path accepted. */
export const MAX_PATH_LENGTH = 512;
const PATH_MESSAGE = 'path must start with / and hold no control characters';
/** A visitor id: 1 to 128 characters, no control characters. */
const VISITOR = /^[^\p{Cc}]+$/u;

/** `YYYY-MM-DD`, a real calendar day (UTC). */
export function IsUtcDay(): PropertyDecorator {
  return ValidateBy({
    name: 'isUtcDay',
    validator: {
      validate: (value) => isDay(value),
      defaultMessage: (args) => `${args?.property} must be a calendar day written YYYY-MM-DD`,
    },
  });
}

/** Body of POST /analytics/events: one page view. */
export class TrackEventDto {
  @ApiProperty({ example: '/pricing', maxLength: MAX_PATH_LENGTH })
  @IsString()
  @Length(1, MAX_PATH_LENGTH)
  @Matches(PATH, { message: PATH_MESSAGE })
  path!: string;

  @ApiProperty({ example: 'v_8f3a2c', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  @Matches(VISITOR, { message: 'visitorId must hold no control characters' })
  visitorId!: string;
}

/** Query of GET /analytics/pages: the path and an optional range of UTC days (default: the last 7, today included). */
export class PageStatsQuery {
  @ApiProperty({ example: '/pricing' })
  @IsString()
  @Length(1, MAX_PATH_LENGTH)
  @Matches(PATH, { message: PATH_MESSAGE })
  path!: string;

  @ApiPropertyOptional({ example: '2026-11-16', description: 'first day, UTC (default: 6 days before `to`)' })
  @IsOptional()
  @IsUtcDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-22', description: 'last day, UTC, included (default: today)' })
  @IsOptional()
  @IsUtcDay()
  to?: string;
}

/** A page's views and unique visitors over a range of days. */
export class PageStatsDto {
  @ApiProperty()
  path!: string;
  @ApiProperty({ example: '2026-11-16' })
  from!: string;
  @ApiProperty({ example: '2026-11-22' })
  to!: string;
  @ApiProperty({ description: 'exact' })
  views!: number;
  @ApiProperty({ description: 'HyperLogLog estimate (standard error 0.81 %)' })
  uniqueVisitors!: number;
}
