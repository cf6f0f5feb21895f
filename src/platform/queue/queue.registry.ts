import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { UnknownQueueError } from './queue.errors.js';

/**
 * Every BullMQ Queue registered in the application (by any module, through QueueModule.registerQueue),
 * found by type among the providers: health, metrics, the dashboard and the producer see the same list
 * without a central catalogue of queue names in the platform.
 */
@Injectable()
export class QueueRegistry {
  private queues?: Map<string, Queue>;

  constructor(private readonly discovery: DiscoveryService) {}

  /** All queues by name; resolved once, after the providers are instantiated. */
  all(): Map<string, Queue> {
    if (!this.queues) {
      const found = new Map<string, Queue>();
      for (const wrapper of this.discovery.getProviders()) {
        const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
        if (instance instanceof Queue) found.set(instance.name, instance);
      }
      this.queues = new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
    }
    return this.queues;
  }

  /** The queue named `name`. @throws UnknownQueueError */
  get(name: string): Queue {
    const queue = this.all().get(name);
    if (!queue) throw new UnknownQueueError(name);
    return queue;
  }
}
