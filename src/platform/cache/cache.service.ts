import { Injectable } from '@nestjs/common';
import { CacheEngine } from './cache.engine.js';
import type { CacheEvictContext, CacheEvictOptions } from './cache.decorators.js';
import { CacheError } from './cache.errors.js';
import type { Flight } from './cache.loader.js';
import { CacheRefresher } from './cache.refresher.js';
import { safeJsonParse } from './cache.safe-json.js';
import type { ResolvedEntryOptions } from './cache.store.js';
import type { CacheEntryOptions, CacheKey, CacheResult, CacheStatus } from './cache.types.js';

/**
 * The two-tier cache: L1 in process memory (bounded by entries and bytes), L2 in Redis, kept fresh
 * across instances by an acknowledged bus (a write returns once every instance dropped its copy).
 * `getOrSet` loads a missing key once across all instances; after `ttl` and within `grace` it serves
 * the stale value and refreshes in the background; with Redis away it serves L1, then the source.
 * @example
 * const car = await cache.getOrSet(['car', id], () => repo.find(id), { namespace: 'catalogue', ttl: '5m', grace: '1h', tags: [`car:${id}`] });
 * await cache.invalidateTags([`car:${id}`]);
 */
@Injectable()
export class CacheService {
  private readonly flights = new Map<string, Promise<Flight>>();
  private readonly refresher: CacheRefresher;

  constructor(private readonly engine: CacheEngine) {
    this.refresher = new CacheRefresher(engine.store, engine.loads, (key) => this.deleteFull([key]));
  }

  /** The value of `key`, loading it with `loader` on a miss. */
  async getOrSet<T>(key: CacheKey, loader: () => Promise<T> | T, options?: CacheEntryOptions): Promise<T> {
    return (await this.fetch(key, loader, options)).value;
  }

  /**
   * Like getOrSet, with how the value was obtained (`X-Cache`). With `as: 'text'`, an L1 hit of an object
   * or array answers its JSON text instead of a parsed copy (for senders of JSON: no parse, no stringify).
   */
  async fetch<T>(
    key: CacheKey,
    loader: () => Promise<T> | T,
    options: CacheEntryOptions = {},
    as: 'value' | 'text' = 'value',
  ): Promise<CacheResult<T>> {
    const { store, loads, stats } = this.engine;
    const opts = this.engine.resolve(options);
    const load = async () => loader();
    if (!this.engine.enabled) {
      const value = (await loads.run(opts, load)) as T;
      stats.answer(opts.namespace, 'BYPASS');
      return { value, status: 'BYPASS' };
    }
    const redisKey = store.keys.entry(opts.namespace, key);
    if (opts.l1) {
      const local = store.readL1(redisKey);
      if (local?.state === 'fresh') {
        const hit: Flight = { payload: local.payload, status: 'HIT', tier: 'l1' };
        return this.answer(redisKey, opts, hit, load, as);
      }
      if (local?.state === 'stale') {
        this.refresher.refresh(redisKey, load, opts);
        return this.answer(redisKey, opts, { payload: local.payload, status: 'STALE', tier: 'l1' }, load);
      }
    }
    let flight = this.flights.get(redisKey);
    const leader = !flight;
    if (!flight) {
      flight = this.resolveRemote(redisKey, load, opts).finally(() => this.flights.delete(redisKey));
      this.flights.set(redisKey, flight);
    }
    const result = await flight;
    // Requests coalesced onto another's load got the value without a miss of their own.
    const status: CacheStatus = !leader && result.status === 'MISS' ? 'HIT' : result.status;
    return this.answer(redisKey, opts, { ...result, status, tier: leader ? result.tier : 'l1' }, load);
  }

  /**
   * A fresh in-memory hit of `key` as its JSON text (an object or array), counted as an L1 hit; else
   * undefined, and the caller goes through `fetch`. Synchronous: HTTP answers a warm entry without a promise.
   */
  hitText(key: CacheKey, options: CacheEntryOptions = {}): string | undefined {
    if (!this.engine.enabled) return undefined;
    const opts = this.engine.resolve(options);
    if (!opts.l1) return undefined;
    const { store, stats } = this.engine;
    const text = store.readL1(store.keys.entry(opts.namespace, key));
    if (text?.state !== 'fresh') return undefined;
    const payload = text.payload;
    if (payload === undefined || (payload[0] !== '{' && payload[0] !== '[')) return undefined;
    stats.answer(opts.namespace, 'HIT', 'l1');
    return payload;
  }

  /**
   * The JSON text of `key` when this instance holds a fresh copy in memory, else undefined: no Redis call,
   * no load, no statistics. For callers that must decide something before they may go to Redis (a
   * session looked up before its token is verified).
   */
  peekText(key: CacheKey, options: Pick<CacheEntryOptions, 'namespace'> = {}): string | undefined {
    const { store } = this.engine;
    if (!this.engine.enabled) return undefined;
    const local = store.readL1(store.keys.entry(this.engine.resolve(options).namespace, key));
    return local?.state === 'fresh' ? local.payload : undefined;
  }

  /** The servable value of `key` (fresh or within grace), or undefined. */
  async get<T>(
    key: CacheKey,
    options: Pick<CacheEntryOptions, 'namespace' | 'l1'> = {},
  ): Promise<T | undefined> {
    const { store, loads } = this.engine;
    const opts = this.engine.resolve(options);
    if (!this.engine.enabled) return undefined;
    const redisKey = store.keys.entry(opts.namespace, key);
    const mark = store.log.mark();
    const local = opts.l1 ? store.readL1(redisKey) : undefined;
    if (local) return safeJsonParse(local.payload!) as T;
    if (!store.trusted) return undefined;
    try {
      const found = await store.readL2(redisKey);
      if (found.state === 'absent') return undefined;
      store.storeL1(redisKey, found.meta!, found.payload!, mark, opts);
      return safeJsonParse(found.payload!) as T;
    } catch (err) {
      if (err instanceof SyntaxError) return undefined;
      loads.redisFailed(err);
      return undefined;
    }
  }

  /** Writes `value` (a new version); every instance has dropped its old copy when this returns. */
  async set(key: CacheKey, value: unknown, options: CacheEntryOptions = {}): Promise<void> {
    const { store, loads } = this.engine;
    const opts = this.engine.resolve(options);
    const payload = loads.serialize(value);
    if (payload === undefined) throw new CacheError('CACHE_UNSERIALIZABLE', 'value cannot be stored as JSON');
    const redisKey = store.keys.entry(opts.namespace, key);
    store.keysInvalidated([redisKey]);
    const mark = store.log.mark();
    if (!store.trusted) {
      store.storeL1(redisKey, store.localMeta(opts), payload, mark, opts);
      store.bus.markDirty();
      return;
    }
    try {
      const meta = await store.write(redisKey, payload, opts, await store.tags.current(opts.tags));
      await store.bus.publish({ k: [redisKey] });
      loads.redisOk();
      store.storeL1(redisKey, meta, payload, mark, opts);
    } catch (err) {
      loads.redisFailed(err);
      store.bus.markDirty();
    }
  }

  /** Deletes a key everywhere; every instance has dropped its copy when this returns. */
  async delete(key: CacheKey, options: Pick<CacheEntryOptions, 'namespace'> = {}): Promise<void> {
    await this.deleteMany([key], options);
  }

  /** Deletes keys of one namespace everywhere, with one bus message. */
  async deleteMany(
    keys: readonly CacheKey[],
    options: Pick<CacheEntryOptions, 'namespace'> = {},
  ): Promise<void> {
    const { store } = this.engine;
    const namespace = this.engine.resolve(options).namespace;
    await this.deleteFull(keys.map((k) => store.keys.entry(namespace, k)));
  }

  /** Invalidates every entry carrying any of `tags`: one INCR per tag, whatever the number of entries. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    const { store, loads } = this.engine;
    const refs = store.tags.refs(tags);
    if (refs.length === 0 || !this.engine.enabled) return;
    if (!store.trusted) {
      store.tags.markPending(refs);
      store.bus.markDirty();
      return;
    }
    try {
      const versions = await store.tags.bump(refs);
      await store.bus.publish({ g: versions });
      loads.redisOk();
    } catch (err) {
      loads.redisFailed(err);
      store.tags.markPending(refs);
      store.bus.markDirty();
    }
  }

  /** Applies @CacheEvict options (tags and keys in parallel). */
  async evict(options: CacheEvictOptions, ctx: CacheEvictContext): Promise<void> {
    const tags = typeof options.tags === 'function' ? options.tags(ctx) : options.tags;
    const keys = typeof options.keys === 'function' ? options.keys(ctx) : options.keys;
    await Promise.all([
      tags?.length ? this.invalidateTags(tags) : undefined,
      keys?.length ? this.deleteMany(keys, { namespace: options.namespace }) : undefined,
    ]);
  }

  private async deleteFull(keys: string[]): Promise<void> {
    const { store, loads } = this.engine;
    if (keys.length === 0 || !this.engine.enabled) return;
    store.keysInvalidated(keys);
    if (!store.trusted) return store.bus.markDirty();
    try {
      // One script per key, in parallel: keys live in different slots on Cluster.
      await Promise.all(keys.map((k) => store.remove(k)));
      await store.bus.publish({ k: keys });
      loads.redisOk();
    } catch (err) {
      loads.redisFailed(err);
      store.bus.markDirty();
    }
  }

  private async resolveRemote(
    key: string,
    load: () => Promise<unknown>,
    opts: ResolvedEntryOptions,
  ): Promise<Flight> {
    const { store, loads } = this.engine;
    const mark = store.log.mark();
    if (!store.trusted) return loads.loadLocal(key, load, opts, mark);
    let found;
    try {
      found = await store.readL2(key);
      loads.redisOk();
    } catch (err) {
      loads.redisFailed(err);
      return loads.loadLocal(key, load, opts, mark);
    }
    if (found.state === 'absent') return loads.loadShared(key, load, opts, found.version, mark);
    store.storeL1(key, found.meta!, found.payload!, mark, opts);
    if (found.state === 'stale') this.refresher.refresh(key, load, opts);
    return { payload: found.payload, status: found.state === 'fresh' ? 'HIT' : 'STALE', tier: 'l2' };
  }

  /**
   * The result of a flight, its payload parsed. `as: 'text'` (fresh L1 hits only) answers an object or
   * array payload as its text instead: L1 only holds text this instance serialised or already parsed once
   * (an entry read from Redis is parsed by its first answer, in the same microtask chain that stored it),
   * so it is valid JSON, and object and array texts are exactly what Express would send for them.
   */
  private async answer<T>(
    key: string,
    opts: ResolvedEntryOptions,
    flight: Flight,
    load: () => Promise<unknown>,
    as: 'value' | 'text' = 'value',
  ): Promise<CacheResult<T>> {
    const { stats } = this.engine;
    const text = flight.payload;
    if (as === 'text' && text !== undefined && (text[0] === '{' || text[0] === '[')) {
      stats.answer(opts.namespace, flight.status, flight.tier);
      return { value: undefined as T, text, status: flight.status, tier: flight.tier };
    }
    if (flight.payload === undefined) {
      stats.answer(opts.namespace, flight.status, flight.tier);
      return { value: flight.value as T, status: flight.status, tier: flight.tier };
    }
    try {
      const value = safeJsonParse(flight.payload) as T;
      stats.answer(opts.namespace, flight.status, flight.tier);
      return { value, status: flight.status, tier: flight.tier };
    } catch {
      // Unreadable JSON under a valid header: forget it everywhere and answer from the source.
      stats.totals.corrupt++;
      await this.deleteFull([key]);
      const value = (await this.engine.loads.run(opts, load)) as T;
      stats.answer(opts.namespace, 'MISS');
      return { value, status: 'MISS' };
    }
  }
}
