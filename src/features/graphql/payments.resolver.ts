import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, isAdmin, type Principal } from '../../platform/auth/index.js';
import { ProblemException } from '../../platform/http/index.js';
import {
  Idempotent,
  IdempotencyContext,
  type IdempotencyRequestContext,
} from '../../platform/idempotency/index.js';
import { PaymentsService } from '../payments/payments.service.js';
import { CreatePaymentInput, PaymentType } from './graphql.types.js';

/**
 * Payments over GraphQL: `createPayment` is `@Idempotent` with the key of the request's `Idempotency-Key`
 * header, scoped to the caller, as `POST /payments`: one payment per key, concurrent duplicates wait or
 * get 409, a replay returns the stored value.
 */
@Resolver(() => PaymentType)
export class PaymentsResolver {
  constructor(private readonly payments: PaymentsService) {}

  @Mutation(() => PaymentType, { description: 'Creates a payment; the Idempotency-Key header is required' })
  @Idempotent({ ttl: '24h', required: true, scope: 'principal' })
  createPayment(
    @Args('input') input: CreatePaymentInput,
    @IdempotencyContext() idem: IdempotencyRequestContext,
    @CurrentPrincipal() me: Principal,
  ): Promise<PaymentType> {
    if (input.customerId != null && input.customerId !== me.sub && !isAdmin(me)) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail: 'customerId must be your own (sub) unless you have the admin role',
      });
    }
    return this.payments.create({ ...input, customerId: input.customerId ?? me.sub }, idem.scopedKey);
  }
}
