import { Reflector } from '@nestjs/core';
import { toMs } from '../common/index.js';
import type { IdempotencyPolicy, IdempotentOptions } from './idempotency.types.js';

/** Retention of a completed response when the route does not say (Stripe keeps keys at least 24 hours). */
export const DEFAULT_TTL = '24h';

/** Longest wait for a concurrent duplicate with `onConflict: 'wait'` when the route does not say. */
export const DEFAULT_WAIT_TIMEOUT = '5s';

/**
 * Applies the defaults to decorator options; durations are parsed here, when the decorator is evaluated,
 * so a malformed `ttl` fails at boot rather than on the first request.
 */
export function resolvePolicy(options: IdempotentOptions): IdempotencyPolicy {
  return {
    ttlMs: toMs(options.ttl ?? DEFAULT_TTL, { min: 1 }),
    required: options.required ?? true,
    scope: options.scope ?? 'principal',
    fingerprint: options.fingerprint,
    onConflict: options.onConflict ?? 'reject',
    waitTimeoutMs: toMs(options.waitTimeout ?? DEFAULT_WAIT_TIMEOUT, { min: 1 }),
    storeClientErrors: options.storeClientErrors ?? true,
  };
}

/** The route metadata `@Idempotent()` writes (the resolved policy); method metadata overrides class metadata. */
export const IdempotencyPolicyMetadata = Reflector.createDecorator<IdempotencyPolicy>();
