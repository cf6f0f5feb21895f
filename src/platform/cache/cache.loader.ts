import { HttpException, Logger, StreamableFile } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { CacheStats } from './cache.stats.js';
import type { CacheStore, Found, ResolvedEntryOptions } from './cache.store.js';
import type { CacheStatus } from './cache.types.js';

/** The outcome of one resolution, shared by every request coalesced onto it. */
export interface Flight {
  /** The JSON payload; absent when the value could not be cached (undefined, not serialisable). */
  payload?: string;
  /** The raw value when there is no payload. */
  value?: unknown;
  status: CacheStatus;
  tier?: 'l1' | 'l2';
}

/** A loader answered 4xx: the source says the value does not exist (or may not be seen), not that it failed. */
export function isClientError(err: unknown): boolean {
  return err instanceof HttpException && err.getStatus() < 500;
}

/**
 * Loading on a miss, once across instances: the single-flight lock in Redis, waiting for another
 * instance's fill (woken by the bus, re-checking Redis on a growing delay, bounded by `waitTimeoutMs`
 * after which the request loads itself), the compare-and-set fill, and loading while Redis is away.
 */
export class CacheLoader {
  private readonly logger = new Logger('Cache');
  private failing = false;

  constructor(
    private readonly store: CacheStore,
    private readonly stats: CacheStats,
    private readonly waitTimeoutMs: number,
  ) {}

  /** Records a failed Redis call, logging once per change of state. */
  redisFailed(err: unknown): void {
    this.stats.l2Error();
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(`cache falls back to L1 and the source: ${(err as Error).message}`);
  }

  /** Records a successful Redis call. */
  redisOk(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('cache reaches Redis again');
  }

  /**
   * A miss in L2 with `version` observed: one loader across instances, the rest wait for its value. Each
   * turn is one script that tries the lock and peeks at the entry, so a request whose miss is already
   * stale (another instance filled the key meanwhile) reads the value instead of loading it again.
   */
  async loadShared(
    key: string,
    loader: () => Promise<unknown>,
    opts: ResolvedEntryOptions,
    version: number,
    mark: number,
  ): Promise<Flight> {
    const token = randomBytes(12).toString('base64url');
    const deadline = Date.now() + this.waitTimeoutMs;
    let delay = 20;
    for (;;) {
      let turn: { acquired: boolean; servable: boolean; version: number };
      let found: Found | undefined;
      try {
        turn = await this.store.lock(key, token);
        if (turn.servable) found = await this.store.readL2(key);
      } catch (err) {
        this.redisFailed(err);
        return this.loadLocal(key, loader, opts, mark);
      }
      if (found && found.state !== 'absent') {
        if (turn.acquired) this.store.unlock(key, token).catch(() => undefined);
        this.store.storeL1(key, found.meta!, found.payload!, mark, opts);
        return { payload: found.payload, status: found.state === 'fresh' ? 'HIT' : 'STALE', tier: 'l2' };
      }
      version = found?.version ?? turn.version;
      if (turn.acquired) return this.loadAndFill(key, loader, opts, version, token, mark);
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.store.fills.wait(key, Math.min(delay, left));
      delay = Math.min(delay * 2, 200);
    }
    // Waited long enough: load without the lock; the fill still refuses to overwrite a newer version.
    return this.loadAndFill(key, loader, opts, version, '', mark);
  }

  /** Loads and fills over `version`; `token` is the lock held ('' for none). */
  async loadAndFill(
    key: string,
    loader: () => Promise<unknown>,
    opts: ResolvedEntryOptions,
    version: number,
    token: string,
    mark: number,
  ): Promise<Flight> {
    const epoch = this.store.bus.epoch;
    let tags: [string, number][];
    try {
      tags = await this.store.tags.current(opts.tags);
    } catch (err) {
      this.redisFailed(err);
      if (token) this.store.unlock(key, token).catch(() => undefined);
      return this.loadLocal(key, loader, opts, mark);
    }
    let value: unknown;
    try {
      value = await this.run(opts, loader);
    } catch (err) {
      if (token) this.store.unlock(key, token).catch(() => undefined);
      throw err;
    }
    const payload = this.serialize(value);
    if (payload === undefined) {
      if (token) this.store.unlock(key, token).catch(() => undefined);
      return { value, status: 'MISS' };
    }
    try {
      const { written, meta } = await this.store.fill(key, payload, opts, { version, epoch, tags, token });
      this.redisOk();
      if (written) this.store.storeL1(key, meta, payload, mark, opts);
    } catch (err) {
      this.redisFailed(err);
    }
    return { payload, status: 'MISS' };
  }

  /** Loads with Redis away or untrusted: the value goes to L1 only. */
  async loadLocal(
    key: string,
    loader: () => Promise<unknown>,
    opts: ResolvedEntryOptions,
    mark: number,
  ): Promise<Flight> {
    const value = await this.run(opts, loader);
    const payload = this.serialize(value);
    if (payload === undefined) return { value, status: 'BYPASS' };
    this.store.storeL1(key, this.store.localMeta(opts), payload, mark, opts);
    return { payload, status: 'BYPASS' };
  }

  /** Calls a loader, counting it. */
  async run(opts: ResolvedEntryOptions, loader: () => Promise<unknown>): Promise<unknown> {
    try {
      const value = await loader();
      this.stats.load(opts.namespace);
      return value;
    } catch (err) {
      this.stats.load(opts.namespace, true);
      throw err;
    }
  }

  /** JSON text of a value; undefined when it cannot be cached (undefined, BigInt, cycles, bytes, streams). */
  serialize(value: unknown): string | undefined {
    if (
      value instanceof Uint8Array ||
      value instanceof StreamableFile ||
      (value !== null &&
        typeof value === 'object' &&
        typeof (value as { pipe?: unknown }).pipe === 'function')
    ) {
      return undefined;
    }
    try {
      return JSON.stringify(value);
    } catch (err) {
      this.logger.warn(`value not cached: ${(err as Error).message}`);
      return undefined;
    }
  }
}
