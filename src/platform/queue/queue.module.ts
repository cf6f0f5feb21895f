import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { KeyBuilder } from '../redis/index.js';
import { QueueConnections } from './queue.connections.js';
import { DeadLetterQueue } from './queue.dead-letter.js';
import { QueueEvictionCheck } from './queue.eviction.js';
import { QueueExplorer } from './queue.explorer.js';
import { QueueHealthIndicator } from './queue.health.js';
import { defaultJobOptions } from './queue.job-options.js';
import { QueueMetrics } from './queue.metrics.js';
import { QUEUE_MODULE_OPTIONS, QueueConfigurableModule } from './queue.module-definition.js';
import { QueueProducer } from './queue.producer.js';
import { QueueRegistry } from './queue.registry.js';
import { QueueWorkerPool } from './queue.worker-pool.js';
import { DEAD_LETTER_QUEUE, resolveQueueOptions, type QueueModuleOptions } from './queue.types.js';

/**
 * BullMQ through @nestjs/bullmq, wired to RedisModule: its own `bullmq` connections (a Cluster client on
 * Cluster), the hash-tagged prefix `{<prefix>:q}` so every key of a queue shares one Cluster slot, default
 * job options (attempts, exponential backoff with jitter, bounded retention), a dead-letter queue, workers
 * started from `@QueueProcessor()` providers (none with `workers: 0`), bounded graceful shutdown, the
 * `queues` readiness indicator and queue metrics. Global: features register their queues with
 * `QueueModule.registerQueue()` and enqueue through QueueProducer.
 * @example
 * QueueModule.forRootAsync({ inject: [queueConfig.KEY], useFactory: (c: ConfigType<typeof queueConfig>) => c })
 * // in a feature module:
 * imports: [QueueModule.registerQueue('email')], providers: [EmailProcessor]
 */
@Module({
  imports: [
    DiscoveryModule,
    TerminusModule,
    BullModule.forRootAsync({
      inject: [QueueConnections, KeyBuilder, QUEUE_MODULE_OPTIONS],
      useFactory: (connections: QueueConnections, keys: KeyBuilder, options: QueueModuleOptions) => ({
        connection: connections.producer,
        prefix: keys.queuePrefix(),
        defaultJobOptions: defaultJobOptions(resolveQueueOptions(options)),
        // Nothing here reads the events stream (no QueueEvents): keep it short.
        streams: { events: { maxLen: 1_000 } },
      }),
      // @nestjs/bullmq's explorer would build workers from decorator-time options, with an unbounded close;
      // QueueExplorer builds them from configuration instead.
      extraOptions: { manualRegistration: true },
    }),
    BullModule.registerQueue({ name: DEAD_LETTER_QUEUE }),
  ],
  providers: [
    QueueConnections,
    QueueRegistry,
    QueueMetrics,
    QueueProducer,
    DeadLetterQueue,
    QueueWorkerPool,
    QueueExplorer,
    QueueEvictionCheck,
    QueueHealthIndicator,
  ],
  exports: [
    QUEUE_MODULE_OPTIONS,
    QueueConnections,
    QueueRegistry,
    QueueProducer,
    DeadLetterQueue,
    QueueWorkerPool,
    QueueEvictionCheck,
  ],
})
export class QueueModule extends QueueConfigurableModule {
  /**
   * Registers queues by name (a feature's own), with the module's connection, prefix and default job
   * options. Inject one with `@InjectQueue(name)`, or enqueue through QueueProducer.
   */
  static registerQueue(...names: string[]): DynamicModule {
    return BullModule.registerQueue(...names.map((name) => ({ name })));
  }
}
