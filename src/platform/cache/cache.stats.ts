import type { Counter, Histogram } from 'prom-client';
import { childrenOf, type MetricsService } from '../metrics/metrics.service.js';
import type { CacheStatus } from './cache.types.js';

/** Counts of one namespace. */
export interface NamespaceStats {
  hits: number;
  l1Hits: number;
  l2Hits: number;
  misses: number;
  stale: number;
  bypass: number;
  /** Loader calls (misses, refreshes, loads while Redis is away). */
  loads: number;
  loadErrors: number;
}

const RING = 1024;

/**
 * Hit, miss, stale and bypass counts per namespace, in this process (for `GET /admin/cache/stats`) and
 * in Prometheus when MetricsModule is present; plus the bus's acknowledgement latency (the staleness
 * bound across instances), ack timeouts, resyncs and Redis errors.
 */
export class CacheStats {
  private readonly namespaces = new Map<string, NamespaceStats>();
  private readonly acks = new Float64Array(RING);
  private ackCount = 0;
  private readonly deliveries = new Float64Array(RING);
  private deliveryCount = 0;
  readonly totals = { ackTimeouts: 0, resyncs: 0, l2Errors: 0, corrupt: 0 };
  private readonly prom?: {
    hits: Counter<'namespace' | 'tier'>;
    misses: Counter<'namespace'>;
    stale: Counter<'namespace'>;
    bypass: Counter<'namespace'>;
    loads: Counter<'namespace'>;
    ack: Histogram<string>;
    delivery: Histogram<string>;
    ackTimeouts: Counter<string>;
    resyncs: Counter<string>;
    l2Errors: Counter<string>;
  };

  /** `cache_hits_total` by tier, bound per namespace once: every cached answer counts one. */
  private readonly hitsOf?: Record<'l1' | 'l2', (namespace: string) => Counter.Internal>;

  constructor(metrics?: MetricsService) {
    if (!metrics) return;
    const ns = ['namespace'] as const;
    this.prom = {
      hits: metrics.counter({
        name: 'cache_hits_total',
        help: 'Cache hits by namespace and tier',
        labelNames: ['namespace', 'tier'] as const,
      }),
      misses: metrics.counter({ name: 'cache_misses_total', help: 'Cache misses', labelNames: ns }),
      stale: metrics.counter({ name: 'cache_stale_total', help: 'Stale values served', labelNames: ns }),
      bypass: metrics.counter({
        name: 'cache_bypass_total',
        help: 'Answers from the source with the cache unavailable or off',
        labelNames: ns,
      }),
      loads: metrics.counter({ name: 'cache_loader_calls_total', help: 'Loader calls', labelNames: ns }),
      ack: metrics.histogram({
        name: 'cache_invalidation_ack_seconds',
        help: 'Time from publishing an invalidation to every instance acknowledging it',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
      }),
      delivery: metrics.histogram({
        name: 'cache_invalidation_delivery_seconds',
        help: 'One-way delay from an invalidation being published to this instance applying it',
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      }),
      ackTimeouts: metrics.counter({
        name: 'cache_invalidation_ack_timeouts_total',
        help: 'Invalidations not acknowledged by every instance in time',
      }),
      resyncs: metrics.counter({
        name: 'cache_bus_resyncs_total',
        help: 'Epoch moves after a lost subscription or an unpublished write',
      }),
      l2Errors: metrics.counter({ name: 'cache_redis_errors_total', help: 'Failed cache calls to Redis' }),
    };
    const hits = this.prom.hits;
    this.hitsOf = {
      l1: childrenOf((namespace) => hits.labels(namespace, 'l1')),
      l2: childrenOf((namespace) => hits.labels(namespace, 'l2')),
    };
  }

  private of(namespace: string): NamespaceStats {
    let s = this.namespaces.get(namespace);
    if (!s) {
      s = { hits: 0, l1Hits: 0, l2Hits: 0, misses: 0, stale: 0, bypass: 0, loads: 0, loadErrors: 0 };
      this.namespaces.set(namespace, s);
    }
    return s;
  }

  /** Records one answer. */
  answer(namespace: string, status: CacheStatus, tier?: 'l1' | 'l2'): void {
    const s = this.of(namespace);
    if (status === 'HIT') {
      s.hits++;
      if (tier === 'l2') s.l2Hits++;
      else s.l1Hits++;
      this.hitsOf?.[tier ?? 'l1'](namespace).inc();
    } else if (status === 'MISS') {
      s.misses++;
      this.prom?.misses.inc({ namespace });
    } else if (status === 'STALE') {
      s.stale++;
      this.prom?.stale.inc({ namespace });
    } else {
      s.bypass++;
      this.prom?.bypass.inc({ namespace });
    }
  }

  load(namespace: string, failed = false): void {
    const s = this.of(namespace);
    s.loads++;
    if (failed) s.loadErrors++;
    this.prom?.loads.inc({ namespace });
  }

  ackLatency(ms: number): void {
    this.acks[this.ackCount++ % RING] = ms;
    this.prom?.ack.observe(ms / 1000);
  }

  /** One-way delay of an invalidation, publisher to this instance (clocks of one host, or NTP-synced). */
  delivery(ms: number): void {
    if (ms < 0 || ms > 60_000) return;
    this.deliveries[this.deliveryCount++ % RING] = ms;
    this.prom?.delivery.observe(ms / 1000);
  }

  ackTimeout(): void {
    this.totals.ackTimeouts++;
    this.prom?.ackTimeouts.inc();
  }

  resync(): void {
    this.totals.resyncs++;
    this.prom?.resyncs.inc();
  }

  l2Error(): void {
    this.totals.l2Errors++;
    this.prom?.l2Errors.inc();
  }

  /** Per-namespace counts, and ack and delivery latency percentiles over the last 1024 invalidations. */
  snapshot(): {
    namespaces: Record<string, NamespaceStats & { hitRatio: number }>;
    invalidationAckMs: Percentiles;
    invalidationDeliveryMs: Percentiles;
  } {
    const namespaces: Record<string, NamespaceStats & { hitRatio: number }> = {};
    for (const [name, s] of this.namespaces) {
      const served = s.hits + s.misses + s.stale + s.bypass;
      namespaces[name] = {
        ...s,
        hitRatio: served ? Math.round(((s.hits + s.stale) / served) * 1e4) / 1e4 : 0,
      };
    }
    return {
      namespaces,
      invalidationAckMs: percentiles(this.acks, this.ackCount),
      invalidationDeliveryMs: percentiles(this.deliveries, this.deliveryCount),
    };
  }
}

/** Count and p50 / p99 / max of a ring of samples. */
export interface Percentiles {
  count: number;
  p50?: number;
  p99?: number;
  max?: number;
}

function percentiles(ring: Float64Array, count: number): Percentiles {
  const n = Math.min(count, RING);
  const sorted = Array.from(ring.subarray(0, n)).sort((a, b) => a - b);
  const pick = (q: number) =>
    n ? Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]! * 1000) / 1000 : undefined;
  return { count, p50: pick(0.5), p99: pick(0.99), max: pick(1) };
}
