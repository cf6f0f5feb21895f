import { Body, Controller, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { IsInt, Max, Min } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Idempotent } from '../../platform/idempotency/index.js';
import { Public } from '../../platform/auth/index.js';

/** Body of POST /bench/idempotent. */
export class BenchIdempotentDto {
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  amount!: number;
}

/**
 * `@Idempotent()` alone, without a database: the first-call scenario (a fresh key per request) costs the
 * claim and the completion, the replay scenario (one key) a single claim that returns the stored response.
 */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller('bench')
export class BenchIdempotentController {
  @Post('idempotent')
  @Idempotent({ ttl: '10m', required: true })
  create(@Body() dto: BenchIdempotentDto): { id: string; amount: number } {
    return { id: randomUUID(), amount: dto.amount };
  }
}
