import { Logger } from '@nestjs/common';
import type { SubscriberLink, Subscription } from '../redis/index.js';

/**
 * Release notifications: the release script PUBLISHes the lock key on one channel when somebody waits
 * (a waiter flag key says so), and this instance wakes its oldest local waiter for that key at once
 * instead of letting it sleep out its backoff. The channel is subscribed at module init on the instance's
 * shared subscriber connection (SubscriberLink); a missed message (a reconnect, a failover) only costs
 * the backoff delay.
 */
export class LockNotifier {
  private readonly logger = new Logger('LockNotifier');
  private readonly waiters = new Map<string, Set<() => void>>();
  private subscription?: Subscription;

  /** @param link the instance's subscriber link; undefined disables notifications (backoff alone). */
  constructor(
    readonly channel: string,
    private readonly link?: SubscriberLink,
  ) {}

  /**
   * Sleeps up to `ms`, waking early when `lockKey` is released or `signal` aborts.
   * @returns true when woken by a release notification.
   */
  sleep(lockKey: string, ms: number, signal?: AbortSignal): Promise<boolean> {
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

  /**
   * Subscribes (at module init, so even the first waiter of the process hears releases). Resolves once
   * subscribed or after `timeoutMs`; never rejects: while Redis is unreachable waiters rely on the
   * backoff, and the link subscribes when it connects.
   */
  async start(timeoutMs = 2_000): Promise<void> {
    if (this.subscription || !this.link) return;
    this.subscription = this.link.subscribe([this.channel], {
      message: (_channel, lockKey) => {
        // Wake the longest-waiting local waiter only: one release frees one lock, and waking every waiter
        // of every instance would make them all hit Redis for one winner. The others keep their backoff.
        const first = this.waiters.get(lockKey)?.values().next();
        if (first && !first.done) first.value();
      },
    });
    if (!(await this.subscription.ready(timeoutMs)))
      this.logger.warn(`not subscribed to ${this.channel} yet: waiters rely on their backoff`);
  }
}
