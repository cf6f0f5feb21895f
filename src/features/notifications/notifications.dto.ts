import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches } from 'class-validator';
import { DEDUPLICATION_ID, DEDUPLICATION_ID_MESSAGE } from '../../platform/queue/index.js';

/** Body of POST /notifications/email. */
export class SendEmailDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail({}, { message: 'to must be an e-mail address' })
  @Length(3, 254)
  to!: string;

  @ApiProperty({ maxLength: 200 })
  @IsString()
  @Length(1, 200)
  subject!: string;

  @ApiProperty({ maxLength: 10_000 })
  @IsString()
  @Length(1, 10_000)
  body!: string;

  @ApiPropertyOptional({
    description: 'Within the deduplication window, the same id (from the same caller) answers the same job',
    maxLength: 128,
  })
  @IsOptional()
  @Matches(DEDUPLICATION_ID, { message: DEDUPLICATION_ID_MESSAGE })
  deduplicationId?: string;
}

/** GET /notifications/:jobId. */
export class EmailJobStatusDto {
  @ApiProperty({ enum: ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed', 'unknown'] })
  state!: string;

  @ApiProperty({ description: 'attempts made so far' })
  attempts!: number;

  @ApiPropertyOptional()
  failedReason?: string;
}
