import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import dc from 'node:diagnostics_channel';
import { REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { childrenOf, MetricsService } from './metrics.service.js';
import { readRedisInfo, type RedisInfoSnapshot } from './redis-info.js';

interface CommandContext {
  command: string;
  started?: number;
}

/** INFO is read at most once per this many ms, however many gauges a scrape collects. */
const INFO_TTL_MS = 1000;

/**
 * Redis command latency and errors (from ioredis' diagnostics_channel tracing, so every connection,
 * including BullMQ's, is observed without wrapping clients) and gauges from INFO, read at scrape time.
 */
@Injectable()
export class RedisMetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RedisMetrics');
  private readonly channel = dc.tracingChannel<string, CommandContext>('ioredis:command');
  private cached?: { at: number; value: Promise<RedisInfoSnapshot | undefined> };
  private readonly handlers;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
  ) {
    const duration = metrics.histogram({
      name: 'redis_command_duration_seconds',
      help: 'Redis command latency seen by the app, by command',
      labelNames: ['command'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    });
    const errors = metrics.counter({
      name: 'redis_command_errors_total',
      help: 'Redis commands that failed (error reply, timeout or connection loss), by command',
      labelNames: ['command'] as const,
    });
    const durationOf = childrenOf((command) => duration.labels(command));
    const errorsOf = childrenOf((command) => errors.labels(command));
    this.handlers = {
      start: (ctx: CommandContext) => {
        ctx.started = performance.now();
      },
      asyncEnd: (ctx: CommandContext) => {
        if (ctx.started === undefined) return;
        durationOf(ctx.command).observe((performance.now() - ctx.started) / 1000);
      },
      error: (ctx: CommandContext) => errorsOf(ctx.command).inc(),
      end: () => undefined,
      asyncStart: () => undefined,
    };
    this.registerInfoMetrics();
  }

  onModuleInit(): void {
    this.channel.subscribe(this.handlers as never);
  }

  onModuleDestroy(): void {
    this.channel.unsubscribe(this.handlers as never);
  }

  /** The latest INFO snapshot (cached for 1 s); undefined while Redis is unreachable. */
  snapshot(): Promise<RedisInfoSnapshot | undefined> {
    if (!this.cached || Date.now() - this.cached.at > INFO_TTL_MS) {
      this.cached = {
        at: Date.now(),
        value: readRedisInfo(this.redis).catch((err: Error) => {
          this.logger.debug(`INFO failed: ${err.message}`);
          return undefined;
        }),
      };
    }
    return this.cached.value;
  }

  private registerInfoMetrics(): void {
    const gauge = (name: string, help: string, pick: (s: RedisInfoSnapshot) => number) => {
      const snapshot = () => this.snapshot();
      this.metrics.gauge({
        name,
        help,
        async collect() {
          const s = await snapshot();
          if (s) this.set(pick(s));
        },
      });
    };
    gauge('redis_used_memory_bytes', 'Memory used by Redis (sum over masters)', (s) => s.usedMemoryBytes);
    gauge(
      'redis_mem_fragmentation_ratio',
      'Memory fragmentation ratio (worst master)',
      (s) => s.fragmentationRatio,
    );
    gauge('redis_connected_clients', 'Connected clients (sum over masters)', (s) => s.connectedClients);
    gauge(
      'redis_instantaneous_ops_per_second',
      'Operations per second (sum over masters)',
      (s) => s.opsPerSecond,
    );
    // INFO reports running totals; mirrored into counters by deltas so rate() works across app restarts.
    const mirror = (name: string, help: string, pick: (s: RedisInfoSnapshot) => number) => {
      const snapshot = () => this.snapshot();
      let last: number | undefined;
      this.metrics.counter({
        name,
        help,
        async collect() {
          const s = await snapshot();
          if (!s) return;
          const v = pick(s);
          if (last !== undefined && v >= last) this.inc(v - last);
          last = v;
        },
      });
    };
    mirror('redis_keyspace_hits_total', 'Keyspace hits reported by Redis', (s) => s.keyspaceHits);
    mirror('redis_keyspace_misses_total', 'Keyspace misses reported by Redis', (s) => s.keyspaceMisses);
    const snapshot = () => this.snapshot();
    this.metrics.gauge({
      name: 'redis_up',
      help: '1 when INFO could be read at the last scrape, else 0',
      async collect() {
        this.set((await snapshot()) ? 1 : 0);
      },
    });
  }
}
