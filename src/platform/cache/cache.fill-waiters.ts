/**
 * Requests waiting for another instance's loader. A fill announced on the bus wakes the waiters of its
 * key at once; otherwise each wait ends after its own delay and the waiter looks at Redis again.
 */
export class FillWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when `key` is announced filled, or after `ms`. */
  wait(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      const waiters = set;
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      waiters.add(wake);
    });
  }

  /** Wakes every waiter of `key`. */
  wake(key: string): void {
    for (const wake of [...(this.waiters.get(key) ?? [])]) wake();
  }
}
