import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../platform/auth/index.js';

/** The baseline every benchmark ratio is taken against: touches no Redis. */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller('bench')
export class BenchPlainController {
  @Get('plain')
  plain(): { ok: true } {
    return { ok: true };
  }
}
