import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../platform/auth/auth.decorators.js';
import { RateLimit } from '../platform/rate-limit/index.js';

/**
 * Test-only routes (mounted with `NODE_ENV=test` and `RATE_LIMIT_PROBE_ROUTES=1`) that apply the app's
 * named policies (./config/rate-limit.policies.ts), so the acceptance tests can set limits with
 * `RATE_LIMIT_<NAME>` on built app processes, away from the feature routes. Every route but `pair` also gets
 * the global `default` policy; keys are per route, so each route has its own budget.
 */
@ApiExcludeController()
@Public()
@Controller('rate-limit/probe')
export class RateLimitProbeController {
  /** `default` only: one policy. */
  @Get('default')
  byDefault(): { ok: true } {
    return { ok: true };
  }

  /** `default` only, a second budget. */
  @Get('default-2')
  byDefault2(): { ok: true } {
    return { ok: true };
  }

  /** `upload` + `message`, without `default`: exactly two policies. */
  @Get('pair')
  @SkipThrottle()
  @RateLimit('upload')
  @RateLimit('message')
  pair(): { ok: true } {
    return { ok: true };
  }

  /** `default` + `upload`: two policies. */
  @Get('upload')
  @RateLimit('upload')
  upload(): { ok: true } {
    return { ok: true };
  }

  /** `default` + `upload` at weight 5. */
  @Get('heavy')
  @RateLimit('upload', { cost: 5 })
  heavy(): { ok: true } {
    return { ok: true };
  }

  /** `default` + `export` (set `RATE_LIMIT_EXPORT=...,fail-closed` to test the 503). */
  @Get('export')
  @RateLimit('export')
  export(): { ok: true } {
    return { ok: true };
  }

  /** `default` + `upload` + `message` + `export`: four policies, still one Redis call. */
  @Get('multi')
  @RateLimit('upload')
  @RateLimit('message')
  @RateLimit('export')
  multi(): { ok: true } {
    return { ok: true };
  }

  /** `default` + `login` (per IP and `username` of the JSON body). */
  @Post('login')
  @HttpCode(200)
  @RateLimit('login')
  login(): { ok: true } {
    return { ok: true };
  }
}
