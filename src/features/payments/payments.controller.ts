import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Idempotent,
  IdempotencyContext,
  IdempotencyTestHooks,
  TEST_HOOK_HEADER,
  type IdempotencyRequestContext,
} from '../../platform/idempotency/index.js';
import { CreatePaymentDto, ListPaymentsQuery, PaymentDto, PaymentPageDto } from './payments.dto.js';
import { PaymentsService } from './payments.service.js';

/** Payments: exactly one per Idempotency-Key, across instances, retries and crashes. */
@ApiTags('payments')
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
    @Res({ passthrough: true }) res: Response,
  ): Promise<PaymentDto> {
    await this.hooks.hold('handler', hook);
    const payment = await this.payments.create(dto, idem.scopedKey);
    res.location(`/payments/${payment.id}`);
    return payment;
  }

  @Get(':id')
  @ApiOkResponse({ type: PaymentDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<PaymentDto> {
    return this.payments.get(id);
  }

  @Get()
  @ApiOkResponse({ type: PaymentPageDto })
  list(@Query() query: ListPaymentsQuery): Promise<PaymentPageDto> {
    return this.payments.list(query);
  }
}
