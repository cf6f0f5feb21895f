import { LRUCache } from 'lru-cache';

/** Bounds of the in-process tier. */
export interface L1Bounds {
  maxEntries: number;
  maxBytes: number;
  maxEntryBytes: number;
}

/**
 * The in-process tier: an LRU bounded by entry count and by bytes (entries over `maxEntryBytes`
 * refused), holding each entry in its string form so the byte bound is exact. Values are parsed on
 * every read, so no caller can mutate what another caller gets.
 */
export class L1Store {
  private readonly lru?: LRUCache<string, string>;

  constructor(readonly bounds: L1Bounds | false) {
    if (!bounds) return;
    this.lru = new LRUCache<string, string>({
      max: bounds.maxEntries,
      maxSize: bounds.maxBytes,
      maxEntrySize: bounds.maxEntryBytes,
      sizeCalculation: (value) => Buffer.byteLength(value, 'utf8'),
      // Expired entries are dropped when read or pushed out by the bounds: no timer per entry.
      ttlAutopurge: false,
    });
  }

  /** False when L1 is switched off. */
  get enabled(): boolean {
    return this.lru !== undefined;
  }

  get(key: string): string | undefined {
    return this.lru?.get(key);
  }

  /** Stores for `ttlMs` (the entry's stale deadline); a non-positive ttl stores nothing. */
  set(key: string, raw: string, ttlMs: number): void {
    if (!this.lru || ttlMs <= 0) return;
    this.lru.set(key, raw, { ttl: ttlMs });
  }

  delete(key: string): void {
    this.lru?.delete(key);
  }

  /** Drops every entry (after a bus outage or an epoch change). */
  clear(): void {
    this.lru?.clear();
  }

  /** Live entry count and bytes. */
  usage(): { entries?: number; bytes?: number } {
    return { entries: this.lru?.size, bytes: this.lru?.calculatedSize };
  }
}
