import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthRegistry } from '../health/health.registry.js';
import { QueueConnections } from './queue.connections.js';
import { withTimeout } from './queue.errors.js';
import { QueueEvictionCheck } from './queue.eviction.js';
import { QUEUE_MODULE_OPTIONS } from './queue.module-definition.js';
import { QueueRegistry } from './queue.registry.js';
import { QueueWorkerPool } from './queue.worker-pool.js';
import {
  DEAD_LETTER_QUEUE,
  resolveQueueOptions,
  type QueueModuleOptions,
  type ResolvedQueueOptions,
} from './queue.types.js';

/** One queue's figures in the readiness details. */
export interface QueueFigures {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Jobs this instance recovered from dead workers in the last 5 minutes. */
  stalledRecently: number;
  /** Live workers of this queue over all instances (Redis CLIENT LIST). */
  workers: number;
}

/**
 * The `queues` readiness indicator: per queue waiting, active, delayed, failed, recently stalled and live
 * workers, against the thresholds; the dead-letter queue's size; this instance's own workers; Redis's
 * `maxmemory-policy`. Down when the BullMQ connection cannot answer within 1 s or a local worker died;
 * `degraded` (still 200) on a threshold breach or an evicting policy, or down with `strict` thresholds.
 */
@Injectable()
export class QueueHealthIndicator implements OnModuleInit {
  private readonly options: ResolvedQueueOptions;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly healthRegistry: HealthRegistry,
    private readonly queues: QueueRegistry,
    private readonly connections: QueueConnections,
    private readonly pool: QueueWorkerPool,
    private readonly eviction: QueueEvictionCheck,
    @Inject(QUEUE_MODULE_OPTIONS) options: QueueModuleOptions,
  ) {
    this.options = resolveQueueOptions(options);
  }

  onModuleInit(): void {
    this.healthRegistry.register('queues', () => this.check());
  }

  async check() {
    const session = this.health.check('queues');
    const localWorkers = this.pool.local();
    if (!this.connections.producerReady) {
      return session.down({ message: `BullMQ connection ${this.connections.producer.status}`, localWorkers });
    }
    let figures: Record<string, QueueFigures>;
    let policies: string[];
    try {
      [figures, policies] = await withTimeout(
        Promise.all([this.figures(), this.eviction.policies()]),
        1_000,
        () => new Error('queue counts took over 1 s'),
      );
    } catch (err) {
      return session.down({ message: (err as Error).message, localWorkers });
    }
    const warnings = this.warnings(figures, policies);
    const dead = Object.entries(localWorkers).filter(
      ([, w]) => !w.alive && !this.healthRegistry.shuttingDown,
    );
    const details = {
      queues: figures,
      localWorkers,
      maxmemoryPolicy: policies.join(','),
      thresholds: this.options.health,
      warnings,
    };
    if (dead.length)
      return session.down({ ...details, message: `worker stopped: ${dead.map(([q]) => q).join(', ')}` });
    if (warnings.length === 0) return session.up(details);
    return this.options.health.strict ? session.down(details) : session.degraded(details);
  }

  private async figures(): Promise<Record<string, QueueFigures>> {
    const entries = await Promise.all(
      [...this.queues.all()].map(async ([name, queue]) => {
        const [counts, workers] = await Promise.all([
          queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
          name === DEAD_LETTER_QUEUE ? Promise.resolve(0) : queue.getWorkersCount(),
        ]);
        const figures: QueueFigures = {
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          stalledRecently: this.pool.stalledRecently(name),
          workers,
        };
        return [name, figures] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  private warnings(figures: Record<string, QueueFigures>, policies: string[]): string[] {
    const t = this.options.health;
    const out: string[] = [];
    if (!QueueEvictionCheck.safe(policies)) {
      out.push(`maxmemory-policy is ${policies.join(', ')}, not noeviction: Redis may evict queued jobs`);
    }
    for (const [name, f] of Object.entries(figures)) {
      if (name === DEAD_LETTER_QUEUE) {
        if (f.waiting > t.maxDeadLetter) out.push(`${name}: ${f.waiting} jobs > ${t.maxDeadLetter}`);
        continue;
      }
      if (f.waiting > t.maxWaiting) out.push(`${name}: ${f.waiting} waiting > ${t.maxWaiting}`);
      if (f.failed > t.maxFailed) out.push(`${name}: ${f.failed} failed > ${t.maxFailed}`);
      if (f.stalledRecently > t.maxStalled)
        out.push(`${name}: ${f.stalledRecently} stalled in 5 min > ${t.maxStalled}`);
    }
    return out;
  }
}
