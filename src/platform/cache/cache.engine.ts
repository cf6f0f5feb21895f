import { Inject, Injectable, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { KeyBuilder, LuaScripts, RedisConnection } from '../redis/index.js';
import { CacheBus } from './cache.bus.js';
import { toMs } from '../common/index.js';
import { CacheKeys } from './cache.keys.js';
import { L1Store } from './cache.l1.js';
import { CacheLoader } from './cache.loader.js';
import { CACHE_MODULE_OPTIONS } from './cache.module-definition.js';
import { CacheStats } from './cache.stats.js';
import { CacheStore, type ResolvedEntryOptions } from './cache.store.js';
import { TagVersions } from './cache.tags.js';
import type { CacheEntryOptions, CacheModuleOptions } from './cache.types.js';

/** Default bounds of L1: 10,000 entries, 64 MB, 1 MB per entry. */
export const DEFAULT_L1 = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, maxEntryBytes: 1024 * 1024 };

/**
 * Builds the cache from the module options (L1, tag versions, store, bus, loader, stats), starts the bus
 * at boot (waiting up to 2 s for it, never failing the boot) and stops it on shutdown.
 */
@Injectable()
export class CacheEngine implements OnModuleInit, OnApplicationShutdown {
  readonly enabled: boolean;
  readonly stats: CacheStats;
  readonly store: CacheStore;
  readonly loads: CacheLoader;
  private readonly ttlMs: number;
  private readonly graceMs: number;

  constructor(
    @Inject(CACHE_MODULE_OPTIONS) options: CacheModuleOptions,
    connection: RedisConnection,
    keyBuilder: KeyBuilder,
    scripts: LuaScripts,
    @Optional() metrics?: MetricsService,
  ) {
    this.enabled = options.enabled ?? true;
    this.ttlMs = toMs(options.ttl ?? '60s');
    this.graceMs = toMs(options.grace ?? 0);
    this.stats = new CacheStats(metrics);
    const keys = new CacheKeys(keyBuilder);
    const l1 = new L1Store(options.l1 === false ? false : { ...DEFAULT_L1, ...options.l1 });
    this.store = new CacheStore(
      connection.client,
      scripts,
      keys,
      l1,
      new TagVersions(connection.client, keys),
      this.stats,
      {
        tombstoneTtlMs: toMs(options.tombstoneTtl ?? '60s'),
        compressThreshold: options.compressThreshold ?? 2048,
        lockTtlMs: toMs(options.lockTtl ?? '10s'),
      },
    );
    const store = this.store;
    this.store.bus = new CacheBus(
      connection.client,
      connection,
      keys,
      {
        keys: (k) => store.keysInvalidated(k),
        tags: (g) => store.tagsInvalidated(g),
        epoch: () => store.epochChanged(),
        filled: (k) => store.filled(k),
      },
      this.stats,
      {
        ackTimeoutMs: toMs(options.ackTimeout ?? '500ms'),
        reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 500,
      },
    );
    this.loads = new CacheLoader(this.store, this.stats, toMs(options.waitTimeout ?? '3s'));
  }

  /** Entry options with the module defaults applied. */
  resolve(options: CacheEntryOptions): ResolvedEntryOptions {
    return {
      namespace: options.namespace ?? 'default',
      ttlMs: options.ttl === undefined ? this.ttlMs : toMs(options.ttl),
      graceMs: options.grace === undefined ? this.graceMs : toMs(options.grace),
      tags: options.tags ? this.store.tags.refs(options.tags) : [],
      l1: options.l1 !== false && this.store.l1.enabled,
    };
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    this.store.bus.start();
    await this.store.bus.ready(2000);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.bus.stop();
  }

  /** State for `GET /admin/cache/stats`. */
  snapshot() {
    const bus = this.store.bus;
    return {
      enabled: this.enabled,
      instance: bus.id,
      bus: { state: bus.state, epoch: bus.epoch, dirty: bus.dirty },
      l1: this.store.l1.enabled ? { ...this.store.l1.bounds, ...this.store.l1.usage() } : false,
      ...this.stats.snapshot(),
      totals: this.stats.totals,
    };
  }
}
