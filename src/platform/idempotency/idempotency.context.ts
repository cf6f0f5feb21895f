import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { httpOf } from '../http/execution.js';
import type { IdempotencyRequestContext } from './idempotency.types.js';

/** Where the interceptor leaves the claimed key on the request. */
export const IDEMPOTENCY_CONTEXT = Symbol('idempotency');

/**
 * Injects the idempotency context of the current request (`{ key, scopedKey }`), or `undefined` when the
 * request carried no key. Features store `scopedKey` under a UNIQUE constraint.
 * @example
 * @Post() @Idempotent()
 * create(@Body() dto: CreatePaymentDto, @IdempotencyContext() idem: IdempotencyRequestContext) { ... }
 */
export const IdempotencyContext = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): IdempotencyRequestContext | undefined =>
    httpOf<Record<symbol, IdempotencyRequestContext | undefined>>(ctx)?.req[IDEMPOTENCY_CONTEXT],
);
