import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { serviceUnavailable } from '../http/problem.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { RedisMetricsService } from './redis-metrics.service.js';
import { Roles } from '../auth/index.js';

/** A person-readable summary of Redis health: `GET /admin/redis/metrics` (admin only). */
@ApiTags('admin')
@ApiBearerAuth()
@SkipThrottle()
@Roles('admin')
@Controller('admin/redis')
export class RedisAdminController {
  constructor(
    private readonly redisMetrics: RedisMetricsService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {}

  @Get('metrics')
  @ApiOperation({
    summary: 'Memory, fragmentation, hit rate, ops/s, clients, keyspace, role, uptime, PING latency',
  })
  async summary() {
    const started = performance.now();
    const pong = await this.redis.ping().catch(() => undefined);
    const pingMs = Math.round((performance.now() - started) * 100) / 100;
    const s = pong ? await this.redisMetrics.snapshot() : undefined;
    if (!s) throw serviceUnavailable('Redis is unreachable', 5);
    const lookups = s.keyspaceHits + s.keyspaceMisses;
    return {
      role: s.role,
      nodes: s.nodes,
      uptimeSeconds: s.uptimeSeconds,
      pingMs,
      memory: {
        usedBytes: s.usedMemoryBytes,
        maxBytes: s.maxmemoryBytes,
        fragmentationRatio: s.fragmentationRatio,
      },
      hitRate: lookups === 0 ? null : Math.round((s.keyspaceHits / lookups) * 10_000) / 10_000,
      keyspaceHits: s.keyspaceHits,
      keyspaceMisses: s.keyspaceMisses,
      opsPerSecond: s.opsPerSecond,
      connectedClients: s.connectedClients,
      keyspace: s.keyspace,
    };
  }
}
