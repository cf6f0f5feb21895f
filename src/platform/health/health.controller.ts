import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { ReadinessService } from './health.readiness.js';
import { HealthRegistry } from './health.registry.js';
import { Public } from '../auth/auth.decorators.js';
import { setHeader, setStatus, type AnyResponse } from '../http/adapter.js';

/**
 * Liveness and readiness probes (Kubernetes, load balancers). Public and never rate limited: readiness
 * is computed at most once a second per instance (ReadinessService), whatever the probe rate.
 */
@ApiTags('health')
@SkipThrottle()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly registry: HealthRegistry,
    private readonly readiness: ReadinessService,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: 200 while the process runs, 503 once shutdown has begun' })
  live(@Res({ passthrough: true }) res: AnyResponse): { status: string } {
    if (this.registry.shuttingDown) {
      setStatus(res, 503);
      return { status: 'shutting-down' };
    }
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: Redis, database and registered checks; 503 when any is down or shutdown has begun. ' +
      'Computed at most once per second per instance; probes in between get the last result.',
  })
  async ready(@Res({ passthrough: true }) res: AnyResponse): Promise<HealthCheckResult> {
    setHeader(res, 'Cache-Control', 'no-store');
    const { ok, result } = await this.readiness.check();
    if (!ok) setStatus(res, 503);
    return result;
  }
}
