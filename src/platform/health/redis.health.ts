import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Cluster } from 'ioredis';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';

/** Parses `role:master` from INFO replication. */
function parseRole(info: string): string {
  return /^role:(\w+)/m.exec(info)?.[1] ?? 'unknown';
}

/**
 * Redis readiness: PING latency, the node's role and `maxmemory-policy` (queues need `noeviction`).
 * Down when PING fails or takes over 1 s.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  /** The INFO-derived details, without the up/down verdict (also used by the queue warning at boot). */
  async details(): Promise<{ latencyMs: number; role: string; maxmemoryPolicy: string }> {
    const started = performance.now();
    await this.redis.ping();
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const isCluster = this.redis instanceof Cluster;
    const [info, policy] = await Promise.all([
      isCluster ? Promise.resolve('role:cluster') : this.redis.info('replication'),
      this.redis.config('GET', 'maxmemory-policy').then(
        (r) => (Array.isArray(r) ? String(r[1]) : 'unknown'),
        // Managed Redis often forbids CONFIG; that is not a failure.
        () => 'unknown',
      ),
    ]);
    return { latencyMs, role: parseRole(info), maxmemoryPolicy: policy };
  }

  check(key = 'redis') {
    return this.health
      .check(key)
      .attempt(() => this.details())
      .withTimeout(1000);
  }
}
