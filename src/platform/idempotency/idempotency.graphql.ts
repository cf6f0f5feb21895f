import type { CallHandler } from '@nestjs/common';
import { catchError, finalize, from, mergeMap, throwError, type Observable } from 'rxjs';
import { ProblemException } from '../http/problem.js';
import { safeJsonParse } from '../cache/cache.safe-json.js';
import type { IdempotencyService } from './idempotency.service.js';
import type { Claim, StoredResponse } from './idempotency.store.js';
import type { IdempotencyPolicy } from './idempotency.types.js';

/** Content type of a resolver's stored value: JSON of what the resolver returned. */
const VALUE_TYPE = 'application/json';

/**
 * `@Idempotent()` on a resolver: the claimed call runs under the lease heartbeat, and its value (not the
 * HTTP response, which carries every field of the operation) is stored as JSON for replay. An error
 * releases the key, so a retry runs again (the feature's own UNIQUE constraint still holds).
 */
export function executeResolver(
  service: IdempotencyService,
  next: CallHandler,
  claim: Claim,
  policy: IdempotencyPolicy,
): Observable<unknown> {
  const heartbeat = service.heartbeat(claim);
  let settled = false;
  const settle = (status: number, value: unknown, noResult: boolean) => {
    settled = true;
    const body = Buffer.from(JSON.stringify(value ?? null));
    return service
      .settle(claim, policy, { status, headers: { 'content-type': VALUE_TYPE }, body }, noResult)
      .finally(() => heartbeat.stop());
  };
  return next.handle().pipe(
    mergeMap((value) => from(settle(200, value, false).then(() => value))),
    catchError((err: unknown) => {
      // Always released: a stored error would replay as a null value, not as the error.
      const status = err instanceof ProblemException ? err.problem.status : 500;
      return from(settled ? Promise.resolve() : settle(status, null, true)).pipe(
        mergeMap(() => throwError(() => err)),
      );
    }),
    finalize(() => {
      if (!settled) heartbeat.stop();
    }),
  );
}

/** The value a resolver call stored under the key (a stored REST response of the same key is refused). */
export function replayResolver(stored: StoredResponse): unknown {
  return safeJsonParse(stored.body.toString('utf8'));
}
