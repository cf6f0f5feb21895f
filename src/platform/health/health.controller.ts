import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { DatabaseHealthIndicator } from './database.health.js';
import { HealthRegistry } from './health.registry.js';
import { RedisHealthIndicator } from './redis.health.js';
import { Public } from '../auth/auth.decorators.js';

/** Liveness and readiness probes (Kubernetes, load balancers). Never rate limited, never cached. */
@ApiTags('health')
@SkipThrottle()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: HealthRegistry,
    private readonly redis: RedisHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: 200 while the process runs, 503 once shutdown has begun' })
  live(@Res({ passthrough: true }) res: Response): { status: string } {
    if (this.registry.shuttingDown) {
      res.status(503);
      return { status: 'shutting-down' };
    }
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Redis, database and registered checks; 503 when any is down' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    res.setHeader('Cache-Control', 'no-store');
    try {
      return await this.health.check([
        () => this.redis.check(),
        () => this.database.check(),
        ...this.registry.readinessChecks(),
      ]);
    } catch (err) {
      // Terminus throws its full report on failure; probes and people both want that body with the 503.
      if (err instanceof ServiceUnavailableException) {
        res.status(503);
        return err.getResponse() as HealthCheckResult;
      }
      throw err;
    }
  }
}
