import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RateLimit } from '../../platform/rate-limit/index.js';
import { Public } from '../../platform/auth/index.js';

const NEVER = { limit: 1e9, ttl: 60_000 };

/**
 * Rate-limit benchmark routes: limits high enough never to refuse, so the scenario measures the cost of
 * deciding. `throttled-multi` applies four policies to show they still cost one Redis call.
 */
@ApiExcludeController()
@Public()
@Controller('bench')
export class BenchThrottledController {
  @Get('throttled')
  @RateLimit('default', NEVER)
  throttled(): { ok: true } {
    return { ok: true };
  }

  @Get('throttled-multi')
  @RateLimit('default', NEVER)
  @RateLimit('upload', NEVER)
  @RateLimit('message', NEVER)
  @RateLimit('export', NEVER)
  throttledMulti(): { ok: true } {
    return { ok: true };
  }
}
