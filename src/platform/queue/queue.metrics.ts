import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueConnections } from './queue.connections.js';
import { withTimeout } from './queue.errors.js';
import { QueueRegistry } from './queue.registry.js';

/** Job states reported by the `queue_jobs` gauge. */
const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * Queue metrics in the shared Prometheus registry. Counters count what this process's workers and
 * producer did (sum them over instances); `queue_jobs` is read from Redis at scrape time and is the same
 * on every instance (take the max, not the sum).
 */
@Injectable()
export class QueueMetrics {
  readonly enqueued;
  readonly rejected;
  readonly completed;
  readonly failed;
  readonly stalled;
  readonly deadLettered;
  readonly duration;

  constructor(metrics: MetricsService, registry: QueueRegistry, connections: QueueConnections) {
    this.enqueued = metrics.counter({
      name: 'queue_jobs_enqueued_total',
      help: 'Jobs accepted by Redis from this process (deduplicated adds included)',
      labelNames: ['queue'] as const,
    });
    this.rejected = metrics.counter({
      name: 'queue_unavailable_total',
      help: 'Enqueues and job reads answered 503 because Redis did not answer in time',
      labelNames: ['queue'] as const,
    });
    this.completed = metrics.counter({
      name: 'queue_jobs_completed_total',
      help: 'Jobs completed by this process',
      labelNames: ['queue'] as const,
    });
    this.failed = metrics.counter({
      name: 'queue_jobs_failed_total',
      help: 'Failed job attempts in this process; final="true" when no attempt is left',
      labelNames: ['queue', 'final'] as const,
    });
    this.stalled = metrics.counter({
      name: 'queue_jobs_stalled_total',
      help: 'Jobs recovered by this process from a worker that stopped renewing its lock',
      labelNames: ['queue'] as const,
    });
    this.deadLettered = metrics.counter({
      name: 'queue_jobs_dead_lettered_total',
      help: 'Jobs moved by this process to the dead-letter queue',
      labelNames: ['queue'] as const,
    });
    this.duration = metrics.histogram({
      name: 'queue_job_duration_seconds',
      help: 'Processing time of one job attempt in this process',
      labelNames: ['queue', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
    metrics.gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state, read from Redis at scrape time (same value on every instance)',
      labelNames: ['queue', 'state'] as const,
      async collect() {
        this.reset();
        // Redis unreachable: the series are absent for this scrape (alerts read that as unknown), and no read
        // piles up in the offline queue of the BullMQ connection.
        if (!connections.producerReady) return;
        await Promise.all(
          [...registry.all()].map(async ([name, queue]) => {
            try {
              const counts = await withTimeout(
                queue.getJobCounts(...STATES),
                500,
                () => new Error('timeout'),
              );
              for (const state of STATES) this.set({ queue: name, state }, counts[state] ?? 0);
            } catch {
              // Too slow this time: absent for this scrape, as above.
            }
          }),
        );
      },
    });
  }
}
