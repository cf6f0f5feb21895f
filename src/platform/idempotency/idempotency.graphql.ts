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
export async function executeResolver(
  service: IdempotencyService,
  next: () => Promise<unknown>,
  claim: Claim,
  policy: IdempotencyPolicy,
): Promise<unknown> {
  const heartbeat = service.heartbeat(claim);
  const settle = (status: number, value: unknown, noResult: boolean) => {
    const body = Buffer.from(JSON.stringify(value ?? null));
    return service
      .settle(claim, policy, { status, headers: { 'content-type': VALUE_TYPE }, body }, noResult)
      .finally(() => heartbeat.stop());
  };
  let value: unknown;
  try {
    value = await next();
  } catch (err) {
    // Always released: a stored error would replay as a null value, not as the error.
    await settle(err instanceof ProblemException ? err.problem.status : 500, null, true);
    throw err;
  }
  await settle(200, value, false);
  return value;
}

/** The value a resolver call stored under the key (a stored REST response of the same key is refused). */
export function replayResolver(stored: StoredResponse): unknown {
  return safeJsonParse(stored.body.toString('utf8'));
}
