import { Logger } from '@nestjs/common';
import type { LuaScripts, RedisClient } from '../redis/index.js';
import type { CacheBus } from './cache.bus.js';
import {
  decodeHeader,
  decodeL1,
  decodeL2,
  encodeL1,
  encodePayload,
  formatTags,
  type EntryMeta,
} from './cache.codec.js';
import { FillWaiters } from './cache.fill-waiters.js';
import { InvalidationLog } from './cache.invalidation-log.js';
import type { CacheKeys, TagRef } from './cache.keys.js';
import type { L1Store } from './cache.l1.js';
import type { CacheStats } from './cache.stats.js';
import type { TagVersions } from './cache.tags.js';

/** Entry options with defaults applied. */
export interface ResolvedEntryOptions {
  namespace: string;
  ttlMs: number;
  graceMs: number;
  tags: TagRef[];
  l1: boolean;
}

/** An entry as judged now: servable fresh, servable stale, or absent (with the version to fill over). */
export interface Found {
  state: 'fresh' | 'stale' | 'absent';
  version: number;
  meta?: EntryMeta;
  payload?: string;
}

/**
 * The two tiers and what keeps them honest: judging entries (epoch, tag versions, TTL, grace), reading
 * and writing Redis through the cache scripts, and applying bus messages to L1. CacheService builds
 * getOrSet, stampede protection and stale-while-revalidate on top.
 */
export class CacheStore {
  private readonly logger = new Logger('Cache');
  readonly log = new InvalidationLog();
  readonly fills = new FillWaiters();
  bus!: CacheBus;

  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: LuaScripts,
    readonly keys: CacheKeys,
    readonly l1: L1Store,
    readonly tags: TagVersions,
    private readonly stats: CacheStats,
    readonly options: { tombstoneTtlMs: number; compressThreshold: number; lockTtlMs: number },
  ) {}

  keysInvalidated(keys: string[]): void {
    for (const key of keys) {
      this.l1.delete(key);
      this.log.key(key);
    }
  }

  tagsInvalidated(versions: Record<string, number>): void {
    for (const [name, version] of Object.entries(versions)) this.tags.observe(name, version);
  }

  epochChanged(): void {
    this.l1.clear();
    this.tags.reset();
    this.log.all();
  }

  filled(key: string): void {
    this.fills.wake(key);
  }

  /** L2 can be used: the bus is in sync, nothing of ours is unpublished, the client is connected. */
  get trusted(): boolean {
    return this.bus.trusted && this.redis.status === 'ready';
  }

  /** Fresh, stale or dead, by epoch, tag versions and time. Unknown tags count as dead. */
  judge(meta: EntryMeta, now = Date.now()): 'fresh' | 'stale' | 'dead' {
    if (meta.epoch < this.bus.epoch || !this.tags.isCurrent(meta.tags)) return 'dead';
    if (now < meta.expiresAt) return 'fresh';
    return now < meta.staleUntil ? 'stale' : 'dead';
  }

  readL1(key: string): Found | undefined {
    const raw = this.l1.get(key);
    if (raw === undefined) return undefined;
    const { meta, payload } = decodeL1(raw);
    const state = this.judge(meta);
    if (state === 'dead') {
      this.l1.delete(key);
      return undefined;
    }
    return { state, version: meta.version, meta, payload };
  }

  /** One GET (plus one GET per tag never seen by this instance). @throws on a Redis failure. */
  async readL2(key: string): Promise<Found> {
    const raw = await this.redis.getBuffer(key);
    if (!raw) return { state: 'absent', version: 0 };
    let decoded;
    try {
      decoded = decodeL2(raw);
    } catch (err) {
      this.stats.totals.corrupt++;
      this.logger.warn(`ignoring unreadable cache entry ${key}: ${(err as Error).message}`);
      return { state: 'absent', version: 0 };
    }
    if (decoded.kind === 'tombstone') return { state: 'absent', version: decoded.version };
    const { meta, payload } = decoded;
    const unknown = this.tags.unknown(meta.tags);
    if (unknown.length > 0) await this.tags.fetch(unknown);
    const state = this.judge(meta);
    return state === 'dead'
      ? { state: 'absent', version: meta.version }
      : { state, version: meta.version, meta, payload };
  }

  /** Keeps a copy in L1 unless the key was invalidated after `mark` or the entry is no longer current. */
  storeL1(key: string, meta: EntryMeta, payload: string, mark: number, opts: ResolvedEntryOptions): void {
    if (!opts.l1 || this.log.touchedSince(key, mark) || this.judge(meta) === 'dead') return;
    this.l1.set(key, encodeL1(meta, payload), meta.staleUntil - Date.now());
  }

  /**
   * Tries the key's single-flight lock and looks at the entry in the same round trip.
   * @returns whether the lock was taken, and whether the entry is servable now (someone filled it since
   * the caller's miss) or absent, with the version a fill would have to match.
   */
  async lock(key: string, token: string): Promise<{ acquired: boolean; servable: boolean; version: number }> {
    const [got, header] = await this.scripts.run<[number, string | null]>(
      'cache-lock',
      [key, this.keys.lock(key)],
      [token, this.options.lockTtlMs],
    );
    const acquired = got === 1;
    if (header === null) return { acquired, servable: false, version: 0 };
    let decoded;
    try {
      decoded = decodeHeader(header);
    } catch {
      return { acquired, servable: false, version: 0 };
    }
    if (decoded.kind === 'tombstone') return { acquired, servable: false, version: decoded.version };
    const unknown = this.tags.unknown(decoded.meta.tags);
    if (unknown.length > 0) await this.tags.fetch(unknown);
    return { acquired, servable: this.judge(decoded.meta) !== 'dead', version: decoded.meta.version };
  }

  /** Releases the lock after a failed load and wakes whoever waited on it. */
  async unlock(key: string, token: string): Promise<void> {
    const contended = await this.scripts.run<number>('cache-unlock', [this.keys.lock(key)], [token]);
    if (contended === 1) this.bus.announceFill(key);
  }

  /** Fills over `version` (compare-and-set), releasing the lock when `token` holds it. */
  async fill(
    key: string,
    payload: string,
    opts: ResolvedEntryOptions,
    state: { version: number; epoch: number; tags: [string, number][]; token: string },
  ): Promise<{ written: boolean; meta: EntryMeta }> {
    const { body, flags } = encodePayload(payload, this.options.compressThreshold);
    const [written, contended, now] = await this.scripts.run<[number, number, number]>(
      'cache-fill',
      [key, this.keys.lock(key)],
      [
        state.version,
        state.token,
        state.epoch,
        opts.ttlMs,
        opts.graceMs,
        flags,
        formatTags(state.tags),
        body,
      ],
    );
    if (contended === 1) this.bus.announceFill(key);
    const meta = this.meta(state.version, state.epoch, now, opts, state.tags);
    return { written: written === 1, meta };
  }

  /** Writes unconditionally (a new version). */
  async write(
    key: string,
    payload: string,
    opts: ResolvedEntryOptions,
    tags: [string, number][],
  ): Promise<EntryMeta> {
    const { body, flags } = encodePayload(payload, this.options.compressThreshold);
    const epoch = this.bus.epoch;
    const [version, now] = await this.scripts.run<[number, number]>(
      'cache-set',
      [key],
      [epoch, opts.ttlMs, opts.graceMs, flags, formatTags(tags), body],
    );
    return this.meta(version, epoch, now, opts, tags);
  }

  /** Replaces the entry by a tombstone with the next version. */
  async remove(key: string): Promise<void> {
    await this.scripts.run<number>('cache-delete', [key], [this.options.tombstoneTtlMs]);
  }

  /** Metadata for a value loaded while Redis is away (kept in L1 only, local clock). */
  localMeta(opts: ResolvedEntryOptions): EntryMeta {
    // A tag never seen here counts as version 0 until Redis says otherwise (the epoch moves anyway).
    const tags: [string, number][] = opts.tags.map((t) => [t.name, this.tags.versionOf(t.name) ?? 0]);
    for (const [name, version] of tags) this.tags.observe(name, version);
    return this.meta(0, this.bus.epoch, Date.now(), opts, tags);
  }

  private meta(
    version: number,
    epoch: number,
    now: number,
    o: ResolvedEntryOptions,
    tags: [string, number][],
  ): EntryMeta {
    return { version, epoch, expiresAt: now + o.ttlMs, staleUntil: now + o.ttlMs + o.graceMs, tags };
  }
}
