import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { KeyBuilder, LuaScripts, RedisConnection } from '../redis/index.js';
import { DEFAULT_BACKOFF, nextDelay, type BackoffBounds } from './lock.backoff.js';
import { LockContext, type HeldLock } from './lock.context.js';
import { LockBusyError, LockLostError, LockUnavailableError } from './lock.errors.js';
import { resourceParts } from './lock.keys.js';
import { LOCK_METRICS, NO_LOCK_METRICS, type LockMetrics } from './lock.metrics.js';
import { LOCK_MODULE_OPTIONS } from './lock.module-definition.js';
import { LockNotifier } from './lock.notifier.js';
import type { AcquireOptions, Lock, LockModuleOptions, LockResource, UsingOptions } from './lock.types.js';

/** The Redis keys of one resource; all share the resource's hash tag (one Cluster slot). */
interface ResourceKeys {
  resource: string;
  lock: string;
  fence: string;
  waiters: string;
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

/**
 * Distributed locks with fencing tokens on Redis (standalone, Sentinel or Cluster). Acquire, release,
 * extend and reseed are one Lua call each; release and extend act only for the owner token. Locks fail
 * closed: when Redis cannot be asked, `LockUnavailableError` (503) and the guarded work does not run.
 * @example
 * const booking = await locks.using(['car', carId], (signal, lock) => repo.insert(input, lock.fencingToken), { ttlMs: 5000 });
 */
@Injectable()
export class LockService implements OnModuleInit {
  private readonly logger = new Logger('LockService');
  private readonly notifier: LockNotifier;
  private readonly defaultTtlMs: number;
  private readonly defaultWaitMs: number;
  private readonly backoff: BackoffBounds;
  /** True when the test-only switch turned `using()` (and so `@WithLock`) into a no-op. */
  readonly disabled: boolean;

  constructor(
    @Inject(LOCK_MODULE_OPTIONS) options: LockModuleOptions,
    private readonly scripts: LuaScripts,
    private readonly keys: KeyBuilder,
    connection: RedisConnection,
    @Optional() @Inject(LOCK_METRICS) private readonly metrics: LockMetrics = NO_LOCK_METRICS,
  ) {
    this.defaultTtlMs = options.defaultTtlMs ?? 10_000;
    this.defaultWaitMs = options.defaultWaitMs ?? 0;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.notifier = new LockNotifier(
      keys.key('lock', 'released'),
      options.notifications === false ? undefined : connection.subscriber,
    );
    this.disabled = options.disabledForTests === true && options.nodeEnv === 'test';
    if (options.disabledForTests && !this.disabled) {
      this.logger.warn('the test-only lock switch is ignored outside NODE_ENV=test');
    } else if (this.disabled) {
      this.logger.warn('LOCKS ARE OFF (test-only switch): @WithLock runs handlers unlocked');
    }
  }

  /** Subscribes to release notifications (unless disabled), so even the first waiter is woken early. */
  async onModuleInit(): Promise<void> {
    if (!this.disabled) await this.notifier.start();
  }

  /** The normalised resource and its keys: `{prefix}:lock:{car:42}`, `{prefix}:fence:{car:42}`. */
  keysOf(resource: LockResource): ResourceKeys {
    const parts = resourceParts(resource);
    return {
      resource: parts.join(':'),
      lock: this.keys.tagged('lock', parts),
      fence: this.keys.tagged('fence', parts),
      waiters: this.keys.tagged('lock', parts, 'w'),
    };
  }

  /**
   * Takes the lock, waiting up to `waitMs` with jittered backoff (woken early by release
   * notifications). One round trip per attempt.
   * @throws LockBusyError (409) when still busy after the wait; LockUnavailableError (503) when Redis fails.
   */
  async acquire(resource: LockResource, options: AcquireOptions = {}): Promise<Lock> {
    return this.acquireKeys(this.keysOf(resource), options);
  }

  private async acquireKeys(k: ResourceKeys, options: AcquireOptions): Promise<Lock> {
    const ttlMs = positiveInt('ttlMs', options.ttlMs ?? this.defaultTtlMs, 1);
    const waitMs = positiveInt('waitMs', options.waitMs ?? this.defaultWaitMs, 0);
    // randomUUID draws from a pooled buffer: a randomBytes call per acquisition costs ~10 us under load.
    const token = randomUUID();
    const started = performance.now();
    const deadline = started + waitMs;
    let delay = 0;
    let contended = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const waitLeft = Math.max(0, Math.floor(deadline - performance.now()));
      const sentAt = Date.now();
      let reply: [number, number];
      try {
        reply = await this.scripts.run<[number, number]>(
          'lock-acquire',
          [k.lock, k.fence, k.waiters],
          [token, ttlMs, waitLeft],
        );
      } catch (err) {
        // The script may have run before the reply was lost: free the lock if it was taken.
        this.releaseKeys(k, token).catch(() => undefined);
        this.metrics.unavailable();
        throw new LockUnavailableError(k.resource, err);
      }
      if (reply[0] === 1) {
        this.metrics.acquired(contended, performance.now() - started);
        return { resource: k.resource, token, fencingToken: Number(reply[1]), expiresAt: sentAt + ttlMs };
      }
      if (!contended) this.metrics.contended();
      contended = true;
      const left = deadline - performance.now();
      if (left <= 0) {
        this.metrics.busy();
        throw new LockBusyError(k.resource, Number(reply[1]));
      }
      delay = nextDelay(delay, Number(reply[1]), left, this.backoff);
      await this.notifier.sleep(k.lock, delay, options.signal);
    }
  }

  /**
   * Releases the lock if this owner still holds it (one round trip).
   * @returns false when it was no longer ours (expired or taken over); the store is left unchanged.
   */
  async release(lock: Lock): Promise<boolean> {
    return this.releaseLock(this.keysOf(lock.resource), lock.token);
  }

  private async releaseLock(k: ResourceKeys, token: string): Promise<boolean> {
    try {
      return (await this.releaseKeys(k, token)) === 1;
    } catch (err) {
      throw new LockUnavailableError(k.resource, err);
    }
  }

  private releaseKeys(k: ResourceKeys, token: string): Promise<number> {
    return this.scripts.run<number>('lock-release', [k.lock, k.waiters], [token, this.notifier.channel]);
  }

  /**
   * Sets the lock's TTL to `ttlMs` from now if this owner still holds it (one round trip); updates
   * `lock.expiresAt`.
   * @returns false when the lock was already lost (expired or taken over): it is not re-taken.
   */
  async extend(lock: Lock, ttlMs: number): Promise<boolean> {
    positiveInt('ttlMs', ttlMs, 1);
    const k = this.keysOf(lock.resource);
    const sentAt = Date.now();
    let ok: number;
    try {
      ok = await this.scripts.run<number>('lock-extend', [k.lock], [lock.token, ttlMs]);
    } catch (err) {
      throw new LockUnavailableError(k.resource, err);
    }
    if (ok === 1) lock.expiresAt = sentAt + ttlMs;
    return ok === 1;
  }

  /**
   * For a holder whose store rejected its token as older than one already written (Redis lost the
   * counter: a restart without AOF, a failover before replication, FLUSHALL): raises the counter to
   * `floor` (the store's high-water mark) and gives the lock a new token above it (one round trip).
   * @returns the new token (also set on `lock`), or null when the lock is no longer ours (a genuinely
   * stale holder, whose write must stay rejected).
   */
  async reseed(lock: Lock, floor: number): Promise<number | null> {
    positiveInt('floor', floor, 0);
    const k = this.keysOf(lock.resource);
    let token: number;
    try {
      token = Number(await this.scripts.run<number>('lock-reseed', [k.lock, k.fence], [lock.token, floor]));
    } catch (err) {
      throw new LockUnavailableError(k.resource, err);
    }
    if (token === 0) return null;
    this.logger.warn(`fence counter of ${k.resource} was behind its store (${floor}): reseeded to ${token}`);
    this.metrics.reseeded();
    lock.fencingToken = token;
    return token;
  }

  /**
   * Runs `fn` under the lock: extends it at about a third of the TTL while `fn` runs (unless
   * `autoExtend: false`), aborts `signal` with LockLostError if the lock is lost, releases it after.
   * Re-entrant: a resource already held by the current call chain is not locked twice.
   */
  async using<T>(
    resource: LockResource,
    fn: (signal: AbortSignal, lock: HeldLock) => Promise<T> | T,
    options: UsingOptions = {},
  ): Promise<T> {
    return this.run(resource, (lock) => fn(lock.signal, lock), options);
  }

  /**
   * `using` for callers that may never read the signal (the `@WithLock` interceptor and explorer): the
   * held lock's AbortSignal is only created when first read, so a short locked call costs none.
   */
  async run<T>(
    resource: LockResource,
    fn: (lock: HeldLock) => Promise<T> | T,
    options: UsingOptions = {},
  ): Promise<T> {
    if (this.disabled) return this.runUnlocked(resource, fn);
    // Built once for the whole call: the key strings are most of what a lock allocates in the app.
    const k = this.keysOf(resource);
    const held = LockContext.current(k.resource);
    // Re-entrant: pushed again, so LockContext.current() inside is this call's lock, not another one.
    if (held) return LockContext.run(held, () => fn(held));
    const ttlMs = options.ttlMs ?? this.defaultTtlMs;
    const lock = await this.acquireKeys(k, options);
    const heldLock = new HeldLockState(lock);
    const watch = this.watch(heldLock, ttlMs, options.autoExtend !== false);
    try {
      return await LockContext.run(heldLock, () => fn(heldLock));
    } finally {
      watch.stop();
      if (!heldLock.lost) {
        await this.releaseLock(k, heldLock.token).catch((err: unknown) => {
          // The TTL frees it anyway; the result of the work stands.
          this.logger.warn(`release of ${heldLock.resource} failed: ${(err as Error).message}`);
        });
      }
    }
  }

  /**
   * Extends the lock on a timer and aborts the work when the lock is lost or its validity ends. One
   * timer at a time: the extension timer, and the expiry timer only while an extension is pending or
   * failing (or without auto-extension), so a short locked call arms a single timer.
   */
  private watch(lock: HeldLockState, ttlMs: number, autoExtend: boolean) {
    let extendTimer: NodeJS.Timeout | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    let stopped = false;
    const lost = (cause?: unknown) => {
      if (stopped || lock.lost) return;
      this.metrics.lost();
      this.logger.warn(`lock on ${lock.resource} lost while its holder ran`);
      lock.abort(new LockLostError(lock.resource, cause));
      stop();
    };
    const armExpiry = () => {
      clearTimeout(expiryTimer);
      expiryTimer = setTimeout(() => lost(), Math.max(0, lock.expiresAt - Date.now()));
    };
    const scheduleExtend = () => {
      extendTimer = setTimeout(
        () => {
          // Until this extension is confirmed, the lock is only valid up to its current expiry.
          armExpiry();
          this.extend(lock, ttlMs).then(
            (ok) => {
              if (stopped) return;
              if (!ok) return lost();
              clearTimeout(expiryTimer);
              scheduleExtend();
            },
            // Redis unreachable: keep trying until the expiry timer says the lock may be gone.
            () => !stopped && scheduleExtend(),
          );
        },
        Math.max(1, Math.floor(ttlMs / 3)),
      );
    };
    const stop = () => {
      stopped = true;
      clearTimeout(extendTimer);
      clearTimeout(expiryTimer);
    };
    if (autoExtend) scheduleExtend();
    else armExpiry();
    return { stop };
  }

  private runUnlocked<T>(resource: LockResource, fn: (lock: HeldLock) => Promise<T> | T) {
    const lock = new HeldLockState({
      resource: this.keysOf(resource).resource,
      token: '',
      fencingToken: 0,
      expiresAt: Number.MAX_SAFE_INTEGER,
    });
    return LockContext.run(lock, () => fn(lock));
  }
}

/** A held lock whose AbortSignal exists only once somebody reads it (AbortController is not free). */
class HeldLockState implements HeldLock {
  readonly resource: string;
  readonly token: string;
  fencingToken: number;
  expiresAt: number;
  private controller?: AbortController;
  private reason?: unknown;

  constructor(lock: Lock) {
    this.resource = lock.resource;
    this.token = lock.token;
    this.fencingToken = lock.fencingToken;
    this.expiresAt = lock.expiresAt;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.lost) this.controller.abort(this.reason); // a no-op once aborted
    return this.controller.signal;
  }

  /** True once the lock was lost while held. */
  get lost(): boolean {
    return this.reason !== undefined;
  }

  abort(reason: unknown): void {
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
