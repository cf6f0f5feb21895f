import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CURRENCIES, PAYMENT_STATUSES } from './payments.schema.js';

const CUSTOMER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const CUSTOMER_ID_MESSAGE = 'customerId must be 1 to 64 characters of [A-Za-z0-9_.-]';

/** Body of POST /payments. */
export class CreatePaymentDto {
  @ApiProperty({
    description: 'Amount in minor units (cents)',
    minimum: 1,
    maximum: 1_000_000_000,
    example: 4999,
  })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  amount!: number;

  @ApiProperty({ enum: CURRENCIES, example: 'usd' })
  @IsIn(CURRENCIES)
  currency!: (typeof CURRENCIES)[number];

  @ApiPropertyOptional({
    example: 'cus_42',
    pattern: CUSTOMER_ID.source,
    description: 'the paying customer: the caller by default; another customer needs the admin role',
  })
  @IsOptional()
  @IsString()
  @Matches(CUSTOMER_ID, { message: CUSTOMER_ID_MESSAGE })
  customerId?: string;
}

/** Query of GET /payments. */
export class ListPaymentsQuery {
  @ApiPropertyOptional({ example: 'cus_42' })
  @IsOptional()
  @IsString()
  @Matches(CUSTOMER_ID, { message: CUSTOMER_ID_MESSAGE })
  customerId?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** A payment as the API shows it. */
export class PaymentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty()
  amount!: number;
  @ApiProperty({ enum: CURRENCIES })
  currency!: string;
  @ApiProperty()
  customerId!: string;
  @ApiProperty({ enum: PAYMENT_STATUSES })
  status!: string;
  @ApiProperty({ format: 'uri' })
  checkoutUrl!: string;
}

/** A page of payments: `{ items, page, limit, total }`, the shape of every list. */
export class PaymentPageDto {
  @ApiProperty({ type: [PaymentDto] })
  items!: PaymentDto[];
  @ApiProperty()
  page!: number;
  @ApiProperty()
  limit!: number;
  @ApiProperty()
  total!: number;
}
