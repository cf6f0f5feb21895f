import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { CurrentPrincipal, type Principal } from '../../platform/auth/index.js';

/** `/bench/plain` behind a verified token: what identity costs a request with a warm session. */
@ApiExcludeController()
@SkipThrottle()
@Controller('bench')
export class BenchAuthedController {
  @Get('authed')
  authed(@CurrentPrincipal() me: Principal): { ok: true; sub: string } {
    return { ok: true, sub: me.sub };
  }
}
