import { Logger } from '@nestjs/common';
import type { RedisClient } from '../redis/index.js';

/**
 * Release notifications: the release script PUBLISHes the lock key on one channel when somebody waits
 * (a waiter flag key says so), and this instance wakes its local waiters for that key at once instead
 * of letting them sleep out their backoff. One subscriber connection per instance, opened on the first
 * wait; a missed message (subscription not ready yet, a reconnect) only costs the backoff delay.
 */
export class LockNotifier {
  private readonly logger = new Logger('LockNotifier');
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscriber?: RedisClient;

  /**
   * @param openSubscriber opens the subscriber connection (closed by its owner on shutdown); undefined
   * disables notifications (waiters rely on the backoff alone).
   */
  constructor(
    readonly channel: string,
    private readonly openSubscriber?: () => RedisClient,
  ) {}

  /**
   * Sleeps up to `ms`, waking early when `lockKey` is released or `signal` aborts.
   * @returns true when woken by a release notification.
   */
  sleep(lockKey: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    this.ensureSubscribed();
    return new Promise((resolve) => {
      let set = this.waiters.get(lockKey);
      if (!set) this.waiters.set(lockKey, (set = new Set()));
      const waiters = set;
      const done = (notified: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(wake);
        if (waiters.size === 0 && this.waiters.get(lockKey) === waiters) this.waiters.delete(lockKey);
        resolve(notified);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of local waiters (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  private ensureSubscribed(): void {
    if (this.subscriber || !this.openSubscriber) return;
    const subscriber = this.openSubscriber();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, lockKey: string) => {
      if (channel !== this.channel) return;
      for (const wake of [...(this.waiters.get(lockKey) ?? [])]) wake();
    });
    subscriber.subscribe(this.channel).catch((err: unknown) => {
      // ioredis resubscribes on reconnect; until then waiters fall back to their backoff.
      this.logger.warn(`cannot subscribe to ${this.channel}: ${(err as Error).message}`);
    });
  }
}
