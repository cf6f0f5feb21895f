import { AsyncLocalStorage } from 'node:async_hooks';
import type { Lock } from './lock.types.js';

/** A lock held by the current async context, with the signal that fires if it is lost. */
export interface HeldLock extends Lock {
  /** Aborted (reason: LockLostError) when the lock is lost while the work runs. */
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<readonly HeldLock[]>();

/**
 * Calls of `run()` not yet settled. On Node 20 a storage that was ever run keeps async_hooks' promise
 * hook on for the whole process, so after the first lock every promise of every request paid for it (7 to
 * 60 % more CPU on the bare route in three runs): the storage is switched off (`disable()`, still marked
 * experimental, unchanged since Node 13) whenever no locked call is in flight.
 */
let running = 0;

function settled(): void {
  if (--running === 0) storage.disable();
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * The locks held by the current call chain (`using()`, `@WithLock` routes and methods). Lets a service
 * called from a locked handler read the fencing token, and makes `@WithLock` re-entrant: a method that
 * locks a resource its caller already holds runs under the caller's lock instead of deadlocking.
 */
export const LockContext = {
  /** Runs `fn` with `lock` added to the context. */
  run<T>(lock: HeldLock, fn: () => T): T {
    running++;
    let result: T;
    try {
      result = storage.run([...(storage.getStore() ?? []), lock], fn);
    } catch (err) {
      settled();
      throw err;
    }
    if (!isThenable(result)) {
      settled();
      return result;
    }
    return Promise.resolve(result).finally(settled) as T;
  },

  /**
   * The innermost held lock (inside a `@WithLock` method or a `run()` callback: the lock it took, or
   * re-entered), or the one on `resource` (normalised form, `car:42`).
   */
  current(resource?: string): HeldLock | undefined {
    const held = storage.getStore() ?? [];
    if (resource === undefined) return held[held.length - 1];
    return held.findLast((l) => l.resource === resource);
  },
};

/**
 * The fencing token of the innermost lock held by the current call chain.
 * @throws Error when no lock is held (a programming error: the caller forgot `@WithLock`).
 * @example
 * await repo.insert({ ...booking, fencingToken: currentFencingToken() });
 */
export function currentFencingToken(): number {
  const lock = LockContext.current();
  if (!lock) throw new Error('no lock is held by this call chain');
  return lock.fencingToken;
}
