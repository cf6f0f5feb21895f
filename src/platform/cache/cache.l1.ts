import { MemoryDriver } from 'bentocache/drivers/memory';

/** Bounds of the in-process tier. */
export interface L1Bounds {
  maxEntries: number;
  maxBytes: number;
  maxEntryBytes: number;
}

interface LruView {
  size: number;
  calculatedSize?: number;
}

/**
 * The in-process tier: bentocache's MemoryDriver (an LRU bounded by entry count and by bytes, entries
 * over `maxEntryBytes` refused), holding each entry in its string form so the byte bound is exact.
 * Values are parsed on every read, so no caller can mutate what another caller gets.
 */
export class L1Store {
  private readonly driver?: MemoryDriver;
  private readonly lru?: LruView;

  constructor(readonly bounds: L1Bounds | false) {
    if (!bounds) return;
    this.driver = new MemoryDriver({
      maxItems: bounds.maxEntries,
      maxSize: bounds.maxBytes,
      maxEntrySize: bounds.maxEntryBytes,
      // clear() only drops keys under the driver's prefix: without one it would drop nothing.
      prefix: 'l1',
    });
    // namespace() hands the shared LRU to a child driver; its size and byte count feed the stats.
    const child = this.driver.namespace('stats') as unknown as { config: { cacheInstance?: LruView } };
    this.lru = child.config.cacheInstance;
  }

  /** False when L1 is switched off. */
  get enabled(): boolean {
    return this.driver !== undefined;
  }

  get(key: string): string | undefined {
    return this.driver?.get(key);
  }

  /** Stores for `ttlMs` (the entry's stale deadline); a non-positive ttl stores nothing. */
  set(key: string, raw: string, ttlMs: number): void {
    if (!this.driver || ttlMs <= 0) return;
    this.driver.set(key, raw, ttlMs);
  }

  delete(key: string): void {
    this.driver?.delete(key);
  }

  /** Drops every entry (after a bus outage or an epoch change). */
  clear(): void {
    this.driver?.clear();
  }

  /** Live entry count and bytes, when the LRU exposes them. */
  usage(): { entries?: number; bytes?: number } {
    return { entries: this.lru?.size, bytes: this.lru?.calculatedSize };
  }
}
