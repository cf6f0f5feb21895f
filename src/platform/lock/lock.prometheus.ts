import type { Counter, Histogram } from 'prom-client';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { LockMetrics } from './lock.metrics.js';

/**
 * LockMetrics recorded in the Prometheus registry. No resource label: resources are unbounded (one per
 * car), and a label per value would blow up the series count.
 */
export class PrometheusLockMetrics implements LockMetrics {
  private readonly acquisitions: Counter<'outcome'>;
  private readonly waits: Histogram<'contended'>;
  private readonly contention: Counter;
  private readonly lostLocks: Counter;
  private readonly reseeds: Counter;
  // Bound once: labels passed on each call cost an object and a closure on every locked request.
  private readonly acquiredCount: Counter.Internal;
  private readonly contendedWaits: Histogram.Internal<'contended'>;
  private readonly freeWaits: Histogram.Internal<'contended'>;

  constructor(metrics: MetricsService) {
    this.acquisitions = metrics.counter({
      name: 'lock_acquisitions_total',
      help: 'Lock acquisitions by outcome (acquired, busy: gave up after its wait, unavailable: Redis failed)',
      labelNames: ['outcome'] as const,
    });
    this.waits = metrics.histogram({
      name: 'lock_acquire_wait_seconds',
      help: 'Time from the first attempt to holding the lock, by whether it was busy at first',
      labelNames: ['contended'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.contention = metrics.counter({
      name: 'lock_contended_total',
      help: 'Acquisitions that found the lock busy at their first attempt',
    });
    this.lostLocks = metrics.counter({
      name: 'lock_lost_total',
      help: 'Locks lost (expired or taken over) while their holder still ran',
    });
    this.reseeds = metrics.counter({
      name: 'lock_fence_reseeds_total',
      help: 'Fence counters raised to their store high-water mark after Redis lost them',
    });
    this.acquiredCount = this.acquisitions.labels('acquired');
    this.contendedWaits = this.waits.labels('true');
    this.freeWaits = this.waits.labels('false');
  }

  acquired(contended: boolean, waitedMs: number): void {
    this.acquiredCount.inc();
    (contended ? this.contendedWaits : this.freeWaits).observe(waitedMs / 1000);
  }

  contended(): void {
    this.contention.inc();
  }

  busy(): void {
    this.acquisitions.inc({ outcome: 'busy' });
  }

  lost(): void {
    this.lostLocks.inc();
  }

  reseeded(): void {
    this.reseeds.inc();
  }

  unavailable(): void {
    this.acquisitions.inc({ outcome: 'unavailable' });
  }
}
