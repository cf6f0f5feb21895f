import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseConnection } from '../database/index.js';

/** Database readiness: `SELECT 1` within 1 s. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly database: DatabaseConnection,
  ) {}

  check(key = 'database') {
    return this.health
      .check(key)
      .attempt(async () => ({
        kind: this.database.kind,
        latencyMs: Math.round((await this.database.ping()) * 100) / 100,
      }))
      .withTimeout(1000);
  }
}
