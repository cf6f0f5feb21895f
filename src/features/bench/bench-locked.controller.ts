import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { WithLock } from '../../platform/lock/index.js';
import { Public } from '../../platform/auth/index.js';

/**
 * `POST /bench/locked/:id`: the cost of `@WithLock` alone (acquire + release: two Lua calls, two round
 * trips). No wait: a busy id answers 409 lock-busy.
 */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller('bench')
export class BenchLockedController {
  @Post('locked/:id')
  @HttpCode(200)
  @WithLock({ key: 'bench:{params.id}', ttlMs: 5_000, waitMs: 0 })
  locked(): { ok: true } {
    return { ok: true };
  }
}
