import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { FLAG_NAME } from '../../platform/flags/index.js';

/** Path parameter of one flag. */
export class FlagParams {
  @ApiProperty({ example: 'new-checkout', pattern: FLAG_NAME.source })
  @IsString()
  @Matches(FLAG_NAME, {
    message: 'name must be 1 to 64 characters of [A-Za-z0-9_.-], starting with a letter or digit',
  })
  name!: string;
}

/** Body of PUT /flags/:name (both fields required: the flag is replaced). */
export class PutFlagDto {
  @ApiProperty()
  @IsBoolean()
  enabled!: boolean;

  @ApiProperty({ minimum: 0, maximum: 100, description: 'whole percent of subjects it is on for' })
  @IsInt()
  @Min(0)
  @Max(100)
  rolloutPercent!: number;
}

/** Query of GET /flags/:name/evaluate. */
export class EvaluateQuery {
  @ApiProperty({ example: 'user-42', maxLength: 256 })
  @IsString()
  @Length(1, 256)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'subject must hold no control characters' })
  subject!: string;
}

/** A flag. */
export class FlagDto {
  @ApiProperty()
  name!: string;
  @ApiProperty()
  enabled!: boolean;
  @ApiProperty()
  rolloutPercent!: number;
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
  @ApiProperty({ description: 'global write counter after this write' })
  version!: number;
}

/** Every flag. */
export class FlagListDto {
  @ApiProperty({ type: [FlagDto] })
  items!: FlagDto[];
}

/** A flag's value for one subject. */
export class EvaluationDto {
  @ApiProperty()
  flag!: string;
  @ApiProperty()
  subject!: string;
  @ApiProperty()
  enabled!: boolean;
  @ApiProperty({ description: 'the subject bucket, 0 to 9999; on when below rolloutPercent * 100' })
  bucket!: number;
}
