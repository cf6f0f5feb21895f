/**
 * What LockService reports: acquisitions (and how long they waited), contention, busy answers,
 * lost locks, fence reseeds and Redis failures. A port, so the service does not depend on how the
 * numbers are exported.
 */
export interface LockMetrics {
  /** A lock was taken; `contended` when it was busy at first, after `waitedMs` of waiting. */
  acquired(contended: boolean, waitedMs: number): void;
  /** An acquisition found the lock busy (counted once per acquisition). */
  contended(): void;
  /** An acquisition gave up: still busy after its wait (409 lock-busy). */
  busy(): void;
  /** A held lock was lost before its holder finished. */
  lost(): void;
  /** A fence counter was raised to its store's high-water mark. */
  reseeded(): void;
  /** Redis could not be asked (503). */
  unavailable(): void;
}

/** Injection token of the LockMetrics port. */
export const LOCK_METRICS = Symbol('LOCK_METRICS');

/** Reports nothing: the default when no metrics adapter is provided. */
export const NO_LOCK_METRICS: LockMetrics = {
  acquired: () => undefined,
  contended: () => undefined,
  busy: () => undefined,
  lost: () => undefined,
  reseeded: () => undefined,
  unavailable: () => undefined,
};
