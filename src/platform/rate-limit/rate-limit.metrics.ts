import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/index.js';
import { RateLimiter } from './rate-limit.service.js';

/**
 * Prometheus counters of the limiter: `rate_limit_decisions_total{policy,decision,source}` (decision
 * `allowed` | `limited`; source `redis`, `blocklist` or `local`, the fallback), `rate_limit_unavailable_total
 * {policy}` (fail-closed 503s) and the gauge `rate_limit_degraded` (1 while the fallback decides).
 */
@Injectable()
export class RateLimitMetrics implements OnModuleInit {
  constructor(
    private readonly limiter: RateLimiter,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  onModuleInit(): void {
    if (!this.metrics) return;
    const decisions = this.metrics.counter({
      name: 'rate_limit_decisions_total',
      help: 'Rate-limit decisions per policy: allowed or limited, by source (redis, blocklist, local fallback)',
      labelNames: ['policy', 'decision', 'source'] as const,
    });
    const unavailable = this.metrics.counter({
      name: 'rate_limit_unavailable_total',
      help: 'Requests answered 503 because Redis was unavailable and the policy fails closed',
      labelNames: ['policy'] as const,
    });
    const limiter = this.limiter;
    this.metrics.gauge({
      name: 'rate_limit_degraded',
      help: '1 while rate-limit decisions come from the per-instance fallback',
      collect() {
        this.set(limiter.isDegraded ? 1 : 0);
      },
    });
    this.limiter.observe({
      decided: (policy, decision, source) => decisions.inc({ policy, decision, source }),
      unavailable: (policies) => policies.forEach((policy) => unavailable.inc({ policy })),
    });
  }
}
