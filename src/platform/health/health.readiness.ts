import { Injectable, Optional, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { Counter } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { HealthRegistry } from './health.registry.js';
import { RedisHealthIndicator } from './redis.health.js';

/** Readiness is computed at most once per this interval per instance; probes in between get the last result. */
export const READINESS_MIN_INTERVAL_MS = 1_000;

/** A readiness verdict: `ok` false answers 503. */
export interface Readiness {
  ok: boolean;
  result: HealthCheckResult;
}

const SHUTTING_DOWN: Readiness = {
  ok: false,
  result: {
    status: 'error',
    info: {},
    error: { shutdown: { status: 'down', reason: 'shutting down' } },
    details: { shutdown: { status: 'down', reason: 'shutting down' } },
  },
};

/**
 * The readiness verdict of `/health/ready`. A computation costs a dozen or more Redis commands (PING,
 * INFO, CONFIG GET, per-queue counts, worker lists), and the route is public and not rate limited, so
 * probes, or anyone, would multiply load on Redis: one computation starts at most once per
 * {@link READINESS_MIN_INTERVAL_MS}, concurrent probes share it, and probes in between get its result.
 * Shutdown is never cached: from SIGTERM on, every probe answers 503 at once.
 */
@Injectable()
export class ReadinessService {
  private last?: Readiness & { startedAt: number };
  private running?: Promise<Readiness>;
  private readonly computations?: Counter;

  constructor(
    private readonly health: HealthCheckService,
    private readonly registry: HealthRegistry,
    private readonly redis: RedisHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
    @Optional() metrics?: MetricsService,
  ) {
    this.computations = metrics?.counter({
      name: 'health_ready_computations_total',
      help: 'Readiness computations (each runs every check; probes in between are served the last result)',
    });
  }

  async check(): Promise<Readiness> {
    if (this.registry.shuttingDown) return SHUTTING_DOWN;
    if (this.last && performance.now() - this.last.startedAt < READINESS_MIN_INTERVAL_MS) return this.last;
    this.running ??= this.compute().finally(() => (this.running = undefined));
    const verdict = await this.running;
    // A SIGTERM that arrived during the computation wins over its result.
    return this.registry.shuttingDown ? SHUTTING_DOWN : verdict;
  }

  private async compute(): Promise<Readiness> {
    const startedAt = performance.now();
    this.computations?.inc();
    let verdict: Readiness;
    try {
      const result = await this.health.check([
        () => this.redis.check(),
        () => this.database.check(),
        ...this.registry.readinessChecks(),
      ]);
      verdict = { ok: true, result };
    } catch (err) {
      // Terminus throws its full report on failure; probes and people both want that body with the 503.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      verdict = { ok: false, result: err.getResponse() as HealthCheckResult };
    }
    this.last = { ...verdict, startedAt };
    return verdict;
  }
}
