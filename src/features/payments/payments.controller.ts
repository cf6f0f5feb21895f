import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, isAdmin, ownerFilter, type Principal } from '../../platform/auth/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { setHeader, type AnyResponse } from '../../platform/http/adapter.js';
import {
  Idempotent,
  IdempotencyContext,
  IdempotencyTestHooks,
  TEST_HOOK_HEADER,
  type IdempotencyRequestContext,
} from '../../platform/idempotency/index.js';
import { CreatePaymentDto, ListPaymentsQuery, PaymentDto, PaymentPageDto } from './payments.dto.js';
import { PaymentsService } from './payments.service.js';

/**
 * Payments: exactly one per Idempotency-Key (scoped to the caller), across instances, retries and crashes.
 * A customer pays for, lists and reads only their own; the admin role sees all.
 */
@ApiTags('payments')
@ApiBearerAuth()
@Controller('payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly hooks: IdempotencyTestHooks,
  ) {}

  /** Creates a payment awaiting checkout; the Idempotency-Key is required. */
  @Post()
  @Idempotent({ ttl: '24h', required: true, scope: 'principal' })
  @ApiCreatedResponse({ type: PaymentDto })
  async create(
    @Body() dto: CreatePaymentDto,
    @IdempotencyContext() idem: IdempotencyRequestContext,
    @Headers(TEST_HOOK_HEADER) hook: string | undefined,
    @Res({ passthrough: true }) res: AnyResponse,
    @CurrentPrincipal() me: Principal,
  ): Promise<PaymentDto> {
    if (dto.customerId !== undefined && dto.customerId !== me.sub && !isAdmin(me)) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail: 'customerId must be your own (sub) unless you have the admin role',
      });
    }
    await this.hooks.hold('handler', hook);
    const payment = await this.payments.create(
      { ...dto, customerId: dto.customerId ?? me.sub },
      idem.scopedKey,
    );
    setHeader(res, 'Location', `/payments/${payment.id}`);
    return payment;
  }

  @Get(':id')
  @ApiOkResponse({ type: PaymentDto })
  get(@Param('id', new ParseUUIDPipe()) id: string, @CurrentPrincipal() me: Principal): Promise<PaymentDto> {
    return this.payments.get(id, ownerFilter(me));
  }

  @Get()
  @ApiOkResponse({ type: PaymentPageDto })
  list(@Query() query: ListPaymentsQuery, @CurrentPrincipal() me: Principal): Promise<PaymentPageDto> {
    return this.payments.list(query, ownerFilter(me));
  }
}
