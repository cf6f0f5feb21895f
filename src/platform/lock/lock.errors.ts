import { ProblemException } from '../http/index.js';

/** Seconds for `Retry-After`: the remaining TTL rounded up, at least 1. */
function retryAfter(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * The lock stayed busy for the whole wait: 409 problem+json `lock-busy`, `Retry-After` from the
 * holder's remaining TTL.
 */
export class LockBusyError extends ProblemException {
  readonly code = 'LOCK_BUSY';

  constructor(
    readonly resource: string,
    readonly remainingMs: number,
  ) {
    super(409, 'lock-busy', 'Resource is locked', {
      detail: `${resource} is locked by another request; retry later`,
      headers: { 'Retry-After': retryAfter(remainingMs) },
    });
  }
}

/**
 * Redis could not be asked (down, timed out): locks fail closed, so 503 problem+json with `Retry-After`
 * and the guarded code does not run.
 */
export class LockUnavailableError extends ProblemException {
  readonly code = 'LOCK_UNAVAILABLE';

  constructor(
    readonly resource: string,
    cause: unknown,
  ) {
    super(503, 'service-unavailable', 'Service Unavailable', {
      detail: `the lock store is unavailable, so ${resource} cannot be locked; retry later`,
      headers: { 'Retry-After': '1' },
      cause,
    });
  }
}

/**
 * The lock was lost while its holder ran (expired, or taken over after a stall): the reason of the
 * AbortSignal given to `using()` callbacks; 409 problem+json `lock-lost` if it reaches a client.
 */
export class LockLostError extends ProblemException {
  readonly code = 'LOCK_LOST';

  constructor(
    readonly resource: string,
    cause?: unknown,
  ) {
    super(409, 'lock-lost', 'Lock lost', {
      detail: `the lock on ${resource} was lost before the work finished; retry`,
      headers: { 'Retry-After': '1' },
      cause,
    });
  }
}

/** A key template read a missing or non-scalar value: 400 problem+json `validation-error`. */
export class LockKeyError extends ProblemException {
  readonly code = 'LOCK_KEY_INVALID';

  constructor(readonly path: string) {
    super(400, 'validation-error', 'Bad Request', {
      detail: `${path} must be a string or an integer`,
      errors: [{ field: path, messages: [`${path} must be a string or an integer`] }],
    });
  }
}
