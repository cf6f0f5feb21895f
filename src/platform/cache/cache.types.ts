import type { KeyPart } from '../redis/index.js';

import type { Duration } from '../common/index.js';

export type { Duration } from '../common/index.js';

/** A cache key: a string split on `:`, or parts (each validated or hashed by KeyBuilder). */
export type CacheKey = string | readonly KeyPart[];

/** Options of CacheModule.forRoot / forRootAsync. Every field has a default. */
export interface CacheModuleOptions {
  /** false: every call runs its loader and answers `BYPASS` (the "caching off" baseline). Default true. */
  enabled?: boolean;
  /** In-process tier bounds; `false` turns L1 off (every hit is an L2 hit). */
  l1?: { maxEntries?: number; maxBytes?: number; maxEntryBytes?: number } | false;
  /** Default freshness of an entry (60 s). */
  ttl?: Duration;
  /** Default time after `ttl` during which a stale value is served while it is refreshed (0). */
  grace?: Duration;
  /** Single-flight lock lifetime: a loader that dies frees its key after this (10 s). */
  lockTtl?: Duration;
  /** How long a request waits for another instance's loader before loading itself (3 s). */
  waitTimeout?: Duration;
  /**
   * How long a write waits for every other instance to confirm it dropped its L1 copy (500 ms); 0 does not
   * wait (other instances then drop their copy a moment after the write returns).
   */
  ackTimeout?: Duration;
  /** How long a deleted key remembers its version, so a slower concurrent fill cannot resurrect it (60 s). */
  tombstoneTtl?: Duration;
  /** Payloads larger than this many bytes are deflated in Redis (2048). */
  compressThreshold?: number;
  /** Bus reconnect delay cap in ms (500): bounds how long an instance serves L1 after Redis is back. */
  reconnectMaxDelayMs?: number;
}

/** Per-entry options of `getOrSet` / `set`. */
export interface CacheEntryOptions {
  /** Statistics and key namespace (`default`). */
  namespace?: string;
  /** Freshness; defaults to the module's `ttl`. */
  ttl?: Duration;
  /** Stale-while-revalidate window after `ttl`; defaults to the module's `grace`. */
  grace?: Duration;
  /** Tags the entry is invalidated by (`car:42`, `cars`). */
  tags?: readonly string[];
  /** false keeps the entry out of process memory (per-user data, or measuring L2). Default true. */
  l1?: boolean;
}

/** Where an answer came from, as in `X-Cache`. */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** A value with the way it was obtained. */
export interface CacheResult<T> {
  value: T;
  status: CacheStatus;
  /** The tier that answered a HIT or STALE. */
  tier?: 'l1' | 'l2';
  /**
   * With `fetch(..., 'text')`: an in-memory hit of a JSON object or array as its stored JSON text, not parsed
   * (`value` is then undefined); the exact text `JSON.stringify` gave when it was cached.
   */
  text?: string;
}

/** Injection token of the module options. */
export { CACHE_MODULE_OPTIONS } from './cache.module-definition.js';
