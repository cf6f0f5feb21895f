import type { KeyPart } from '../redis/index.js';
import type { BackoffBounds } from './lock.backoff.js';

/**
 * A resource to lock: `'car:42'` (colon-separated parts) or `['car', carId]`. Every part goes through
 * `KeyBuilder.part()`, so user strings are kept when plain and hashed otherwise; the parts form the hash
 * tag shared by the lock key and the fence key (`{prefix}:lock:{car:42}`, `{prefix}:fence:{car:42}`).
 */
export type LockResource = string | readonly KeyPart[];

/** A lock held by this process. */
export interface Lock {
  /** The normalised resource (`car:42`; unsafe parts appear hashed). */
  readonly resource: string;
  /** The owner token: random per acquisition; release and extend act only when it matches. */
  readonly token: string;
  /**
   * Strictly increasing per resource across instances and restarts (an INCR in the acquire script).
   * Writers pass it to their store, which rejects a token older than one it has already seen.
   */
  fencingToken: number;
  /** Epoch ms before which the lock is surely still ours (local send time + TTL; Redis expires it later). */
  expiresAt: number;
}

/** Options of `LockService.acquire`. */
export interface AcquireOptions {
  /** Lock lifetime in ms (module default when omitted). */
  ttlMs?: number;
  /** How long to wait for a busy lock, in ms; 0 fails at once (module default when omitted). */
  waitMs?: number;
  /** Gives up waiting when aborted. */
  signal?: AbortSignal;
}

/** Options of `LockService.using`. */
export interface UsingOptions extends AcquireOptions {
  /**
   * Extends the lock at about a third of its TTL while the callback runs (default true). Off, a holder
   * that runs past its TTL loses the lock, which is what fencing tokens are for.
   */
  autoExtend?: boolean;
}

/** What a key function or template reads: the request parts for a route, the arguments for a method. */
export interface LockKeyContext {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  /** Arguments of a service method (`'{args.0.carId}'`). */
  args?: readonly unknown[];
}

/** A key template (`'car:{params.carId}'`) or a function of the context. */
export type LockKey = string | ((ctx: LockKeyContext) => LockResource);

/** Options of `@WithLock`. */
export interface WithLockOptions extends Omit<UsingOptions, 'signal'> {
  /**
   * `'car:{params.carId}'`: colon-separated segments, each a literal (`[A-Za-z0-9_.-]+`) or one
   * `{path}` read from the context (`params`, `query`, `body` on routes; `args` on service methods).
   * A function may return a string (split on `:`) or an array of parts.
   */
  key: LockKey;
}

/** Options of `LockModule.forRoot` / `forRootAsync`. */
export interface LockModuleOptions {
  /** Default TTL in ms (10 000). */
  defaultTtlMs?: number;
  /** Default wait in ms (0: fail at once with 409 lock-busy). */
  defaultWaitMs?: number;
  /** Wake waiters by a release notification (pub/sub) besides the jittered backoff (default true). */
  notifications?: boolean;
  /** Bounds of the jittered backoff between attempts on a busy lock (default 5 ms to 250 ms). */
  backoff?: BackoffBounds;
  /**
   * Test-only switch: `@WithLock` runs handlers without any lock (fencing token 0). Honoured only when
   * `nodeEnv` is `test`, to prove a concurrency test fails without the lock.
   */
  disabledForTests?: boolean;
  /** The process's NODE_ENV; gates `disabledForTests`. */
  nodeEnv?: string;
}
