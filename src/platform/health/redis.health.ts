import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Cluster } from 'ioredis';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';

/** A field of an INFO section as a number (0 when absent). */
function infoNumber(info: string, field: string): number {
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}

/** Parses `role:master` from INFO replication. */
function parseRole(info: string): string {
  return /^role:(\w+)/m.exec(info)?.[1] ?? 'unknown';
}

/**
 * Redis readiness: PING latency, the node's role, `maxmemory-policy` (queues need `noeviction`) and
 * memory (`outOfMemory` with the reason when `maxmemory` is reached). Down when PING fails or takes
 * over 1 s.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  /** The INFO-derived details, without the up/down verdict (also used by the queue warning at boot). */
  async details(): Promise<{
    latencyMs: number;
    role: string;
    maxmemoryPolicy: string;
    memory: { usedBytes: number; maxBytes: number; outOfMemory: boolean; writes?: string };
  }> {
    const started = performance.now();
    await this.redis.ping();
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const isCluster = this.redis instanceof Cluster;
    const [info, policy, memoryInfo] = await Promise.all([
      isCluster ? Promise.resolve('role:cluster') : this.redis.info('replication'),
      this.redis.config('GET', 'maxmemory-policy').then(
        (r) => (Array.isArray(r) ? String(r[1]) : 'unknown'),
        // Managed Redis often forbids CONFIG; that is not a failure.
        () => 'unknown',
      ),
      // On Cluster: one node's view (any full master refuses the writes of its slots).
      this.redis.info('memory'),
    ]);
    const usedBytes = infoNumber(memoryInfo, 'used_memory');
    const maxBytes = infoNumber(memoryInfo, 'maxmemory');
    // Still up: reads and cache hits keep working and every instance shares this Redis, so taking them
    // all out of the load balancer would only turn a write outage into a full one. The reason is here.
    const outOfMemory = maxBytes > 0 && usedBytes >= maxBytes;
    return {
      latencyMs,
      role: parseRole(info),
      maxmemoryPolicy: policy,
      memory: {
        usedBytes,
        maxBytes,
        outOfMemory,
        ...(outOfMemory
          ? { writes: 'refused: used_memory reached maxmemory (writes answer 503 redis-out-of-memory)' }
          : {}),
      },
    };
  }

  check(key = 'redis') {
    return this.health
      .check(key)
      .attempt(() => this.details())
      .withTimeout(1000);
  }
}
