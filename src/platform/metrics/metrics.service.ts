import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Config<L extends string> = { name: string; help: string; labelNames?: readonly L[] };

/**
 * The process's Prometheus registry. Modules get-or-create their metrics by name, so two modules (or a
 * module initialised twice in tests) share one instance instead of throwing "already registered".
 * Names follow Prometheus conventions: `_total` counters, `_seconds` durations, base units.
 * @example
 * private readonly hits = this.metrics.counter({ name: 'cache_hits_total', help: 'Cache hits', labelNames: ['namespace'] });
 * this.hits.inc({ namespace: 'catalogue' });
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(
    config: Config<L> & { collect?: (this: Counter<L>) => void | Promise<void> },
  ): Counter<L> {
    return this.getOrCreate(
      config.name,
      () => new Counter({ ...config, labelNames: config.labelNames ?? [], registers: [this.registry] }),
    );
  }

  gauge<L extends string>(
    config: Config<L> & { collect?: (this: Gauge<L>) => void | Promise<void> },
  ): Gauge<L> {
    return this.getOrCreate(
      config.name,
      () => new Gauge({ ...config, labelNames: config.labelNames ?? [], registers: [this.registry] }),
    );
  }

  histogram<L extends string>(config: Config<L> & { buckets?: number[] }): Histogram<L> {
    return this.getOrCreate(
      config.name,
      () => new Histogram({ ...config, labelNames: config.labelNames ?? [], registers: [this.registry] }),
    );
  }

  /** `http_request_duration_seconds`, recorded for every request by `requestContext`. */
  httpDuration(): Histogram<'method' | 'route' | 'status'> {
    return this.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
  }

  private getOrCreate<T>(name: string, create: () => T): T {
    return (this.registry.getSingleMetric(name) as T | undefined) ?? create();
  }
}

/**
 * `metric.labels(...)` made once per label value: `inc(labels)` and `observe(labels, v)` allocate their
 * labels object and a closure on every call (prom-client still checks and hashes the labels of each
 * observation either way). For labels with few values only.
 * @example
 * const byCommand = childrenOf((command: string) => duration.labels(command));
 * byCommand('get').observe(0.0004);
 */
export function childrenOf<C>(make: (value: string) => C): (value: string) => C {
  const children = new Map<string, C>();
  return (value) => {
    let child = children.get(value);
    if (child === undefined) children.set(value, (child = make(value)));
    return child;
  };
}
