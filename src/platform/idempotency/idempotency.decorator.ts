import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiExtension, ApiHeader, ApiResponse } from '@nestjs/swagger';
import { describeMs } from '../common/index.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { MAX_KEY_LENGTH } from './idempotency.key.js';
import { IdempotencyPolicyMetadata, resolvePolicy } from './idempotency.policy.js';
import type { IdempotencyPolicy, IdempotentOptions } from './idempotency.types.js';

/** The retention policy as published in the OpenAPI document (the draft asks servers to publish it). */
export function retentionPolicyText(policy: IdempotencyPolicy): string {
  const scope =
    policy.scope === 'principal'
      ? "Keys are scoped to the caller (the bearer token): two callers never share or read each other's keys."
      : 'Keys are shared by every caller of this operation.';
  const conflict =
    policy.onConflict === 'wait'
      ? `A retry sent while the first request runs waits up to ${describeMs(policy.waitTimeoutMs)} for its result, else 409 with Retry-After.`
      : 'A retry sent while the first request runs gets 409 with Retry-After.';
  return [
    `${policy.required ? 'Required' : 'Optional'}: 1 to ${MAX_KEY_LENGTH} printable ASCII characters, unique per operation (a UUID v4 is a good choice).`,
    `The response (status, body and headers such as Content-Type and Location) is stored and replayed with Idempotent-Replayed: true for ${describeMs(policy.ttlMs)} after the request completes; after that the key may be used again.`,
    'Reusing a key with a different method, path or body answers 422.',
    conflict,
    `Server errors (5xx) are not stored: the key is freed and a retry runs again${policy.storeClientErrors ? '; other 4xx answers are stored and replayed' : '; 4xx answers are not stored either'}.`,
    scope,
  ].join(' ');
}

/**
 * Makes a POST or PATCH route idempotent per draft-ietf-httpapi-idempotency-key-header and Stripe's rules:
 * the `Idempotency-Key` is claimed atomically, the first response is stored and replayed byte for byte,
 * a different request under the same key answers 422, a concurrent duplicate 409 (or waits), a 5xx frees
 * the key, and Redis being down answers 503 (fail closed). Metadata only; the behaviour lives in
 * IdempotencyInterceptor. On a class it applies to every method; a method's own options override it.
 * @example
 * @Post()
 * @Idempotent({ ttl: '24h', required: true, scope: 'principal' })
 * create(@Body() dto: CreatePaymentDto, @IdempotencyContext() idem: IdempotencyRequestContext) { ... }
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator & ClassDecorator {
  const policy = resolvePolicy(options);
  const problem = { 'application/problem+json': { schema: { type: 'object' } } };
  const retryAfter = { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } };
  return applyDecorators(
    IdempotencyPolicyMetadata(policy),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: policy.required,
      description: retentionPolicyText(policy),
      schema: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH },
    }),
    ApiExtension('x-idempotency', {
      retentionSeconds: Math.round(policy.ttlMs / 1000),
      required: policy.required,
      scope: policy.scope,
      onConflict: policy.onConflict,
      storesClientErrors: policy.storeClientErrors,
    }),
    ApiResponse({ status: 400, description: 'Idempotency-Key missing or malformed', content: problem }),
    ApiResponse({
      status: 409,
      description: 'A request with this Idempotency-Key is still being processed',
      headers: retryAfter,
      content: problem,
    }),
    ApiResponse({
      status: 422,
      description: 'Idempotency-Key already used for a different request',
      content: problem,
    }),
    ApiResponse({
      status: 503,
      description: 'Idempotency store unavailable (fail closed)',
      headers: retryAfter,
      content: problem,
    }),
  );
}
