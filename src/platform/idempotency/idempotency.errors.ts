import { ProblemException } from '../http/problem.js';

/** Stable codes of the idempotency errors (the `code` of the thrown exception). */
export type IdempotencyErrorCode =
  | 'IDEMPOTENCY_KEY_MISSING'
  | 'IDEMPOTENCY_KEY_INVALID'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_REQUEST_IN_PROGRESS'
  | 'IDEMPOTENCY_STORE_UNAVAILABLE';

/**
 * An idempotency failure answered as problem+json, with the titles and statuses of
 * draft-ietf-httpapi-idempotency-key-header (400 missing or malformed, 409 in progress, 422 reused).
 */
export class IdempotencyProblem extends ProblemException {
  constructor(
    readonly code: IdempotencyErrorCode,
    status: number,
    type: string,
    title: string,
    extra: { detail: string; headers?: Record<string, string>; cause?: unknown },
  ) {
    super(status, type, title, extra);
  }
}

const USAGE = 'This operation is idempotent and it requires correct usage of Idempotency Key.';

/** 400: the route requires a key and none was sent. */
export const keyMissing = () =>
  new IdempotencyProblem(
    'IDEMPOTENCY_KEY_MISSING',
    400,
    'idempotency-key-missing',
    'Idempotency-Key is missing',
    {
      detail: USAGE,
    },
  );

/** 400: the key is malformed (length, characters, repeated header). */
export const keyInvalid = (why: string) =>
  new IdempotencyProblem(
    'IDEMPOTENCY_KEY_INVALID',
    400,
    'idempotency-key-invalid',
    'Idempotency-Key is invalid',
    {
      detail: why,
    },
  );

/** 422: the key was already used with a different request (method, path, principal or body). */
export const keyReused = () =>
  new IdempotencyProblem(
    'IDEMPOTENCY_KEY_REUSED',
    422,
    'idempotency-key-reused',
    'Idempotency-Key is already used',
    {
      detail: `${USAGE} Idempotency Key MUST NOT be reused across different payloads of this operation.`,
    },
  );

/** 409 + Retry-After: a request with this key is still being processed. */
export const inProgress = (retryAfterSeconds: number) =>
  new IdempotencyProblem(
    'IDEMPOTENCY_REQUEST_IN_PROGRESS',
    409,
    'idempotency-request-in-progress',
    'A request is outstanding for this Idempotency-Key',
    {
      detail:
        'A request with the same Idempotency-Key for the same operation is being processed or is outstanding.',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    },
  );

/** 503 + Retry-After: Redis cannot be reached, and running the request unguarded could repeat it (fail closed). */
export const storeUnavailable = (retryAfterSeconds: number, cause: unknown) =>
  new IdempotencyProblem('IDEMPOTENCY_STORE_UNAVAILABLE', 503, 'service-unavailable', 'Service Unavailable', {
    detail: 'the idempotency store is unavailable; retry with the same Idempotency-Key',
    headers: { 'Retry-After': String(retryAfterSeconds) },
    cause,
  });

/** Raised by the store when Redis fails; the interceptor answers it with a 503. */
export class IdempotencyStoreError extends Error {
  readonly code = 'IDEMPOTENCY_STORE_UNAVAILABLE';
  constructor(operation: string, cause: unknown) {
    super(`idempotency ${operation} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
