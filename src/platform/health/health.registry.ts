import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * Readiness checks contributed by other modules (QueueModule adds `queues`) and the shutdown flag that
 * turns `/health/live` to 503 once the process has begun to stop.
 * @example
 * constructor(registry: HealthRegistry) { registry.register('queues', () => this.queuesIndicator.check()); }
 */
@Injectable()
export class HealthRegistry implements BeforeApplicationShutdown {
  private readonly checks = new Map<string, HealthIndicatorFunction>();
  shuttingDown = false;

  register(name: string, check: HealthIndicatorFunction): void {
    this.checks.set(name, check);
  }

  readinessChecks(): HealthIndicatorFunction[] {
    return [...this.checks.values()];
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
