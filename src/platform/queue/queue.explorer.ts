import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { QueueProcessor } from './queue.decorator.js';
import { QUEUE_MODULE_OPTIONS } from './queue.module-definition.js';
import { QueueRegistry } from './queue.registry.js';
import { QueueWorkerPool } from './queue.worker-pool.js';
import { resolveQueueOptions, type JobProcessor, type QueueModuleOptions } from './queue.types.js';

/**
 * Finds the `@QueueProcessor()` providers at bootstrap (after every module, migrations included, is
 * initialised, before HTTP listens) and starts their workers, unless `QUEUE_WORKERS=0`. Unlike
 * @nestjs/bullmq's own explorer, worker options come from the module's configuration (lock duration,
 * stalled interval, concurrency) rather than from decorator arguments fixed at compile time, and shutdown
 * is bounded.
 */
@Injectable()
export class QueueExplorer implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queue');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registry: QueueRegistry,
    private readonly pool: QueueWorkerPool,
    @Inject(QUEUE_MODULE_OPTIONS) private readonly options: QueueModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    const processors = this.discovery.getProviders({ metadataKey: QueueProcessor.KEY });
    const queues = new Set<string>();
    const found: Array<{ queue: string; instance: JobProcessor; maxConcurrency?: number }> = [];
    for (const wrapper of processors) {
      const meta = this.discovery.getMetadataByDecorator(QueueProcessor, wrapper);
      if (!meta) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new Error(
          `${wrapper.name}: a @QueueProcessor must not be request-scoped (it lives as long as its worker)`,
        );
      }
      const instance = wrapper.instance as Partial<JobProcessor> | undefined;
      if (typeof instance?.process !== 'function') {
        throw new Error(`${wrapper.name}: a @QueueProcessor must implement process(job, signal)`);
      }
      if (queues.has(meta.queue)) throw new Error(`queue "${meta.queue}" has two @QueueProcessor classes`);
      this.registry.get(meta.queue); // a processor of an unregistered queue is a wiring mistake: fail the boot
      queues.add(meta.queue);
      found.push({
        queue: meta.queue,
        instance: instance as JobProcessor,
        maxConcurrency: meta.maxConcurrency,
      });
    }
    if (resolveQueueOptions(this.options).workers === 0) {
      this.logger.log(
        `QUEUE_WORKERS=0: this instance only produces jobs (${[...queues].join(', ') || 'no'} processors idle)`,
      );
      return;
    }
    for (const p of found) this.pool.start(p.queue, p.instance, p.maxConcurrency);
  }
}
