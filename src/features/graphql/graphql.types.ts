import { ArgsType, Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { MAX_BOOKING_DAYS } from '../bookings/bookings.dto.js';
import { IsAfterDate, IsCalendarDate, IsNotPastDate } from '../bookings/bookings.validation.js';
import { CURRENCIES } from '../payments/payments.schema.js';

// The GraphQL schema (code first) of the catalogue, bookings, payments and leaderboards: object types
// mirror the REST answers; inputs and arguments carry the REST DTOs' validation rules (the global
// ValidationPipe checks them, 400 problems become GraphQL errors with `extensions.status`).

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} .'&-]*$/u;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_MESSAGE = '$property must be 1 to 64 characters of [A-Za-z0-9_-]';

@ObjectType('Car', { description: 'A car of the catalogue; prices in minor units of `currency`' })
export class CarType {
  @Field(() => Int) id!: number;
  @Field() make!: string;
  @Field() model!: string;
  @Field(() => Int) year!: number;
  @Field(() => Int) dailyPrice!: number;
  @Field() currency!: string;
  @Field() available!: boolean;
}

/** A page of `item`s, in the shape of REST's list answers (one class per item type in the schema). */
function Page<T>(item: abstract new () => T) {
  @ObjectType({ isAbstract: true })
  abstract class PageType {
    @Field(() => [item]) items!: T[];
    @Field(() => Int) page!: number;
    @Field(() => Int) limit!: number;
    @Field(() => Int) total!: number;
  }
  return PageType;
}

@ObjectType('CarPage')
export class CarPage extends Page(CarType) {}

@ArgsType()
export class CarsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @Field(() => Int, { nullable: true, defaultValue: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  @Matches(NAME, { message: "make must be letters, digits, spaces and . ' & -" })
  make?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  available?: boolean;
}

@InputType()
export class UpdateCarInput {
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  @Matches(NAME, { message: "model must be letters, digits, spaces and . ' & -" })
  model?: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1886)
  @Max(2100)
  year?: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  dailyPrice?: number;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  available?: boolean;
}

@ObjectType('Booking', { description: 'A booking; `endDate` is the return day (exclusive)' })
export class BookingType {
  @Field() id!: string;
  @Field() carId!: string;
  @Field() customerId!: string;
  @Field() startDate!: string;
  @Field() endDate!: string;
  @Field(() => Float) fencingToken!: number;
}

@ObjectType('BookingPage')
export class BookingPage extends Page(BookingType) {}

@ArgsType()
export class BookingsArgs {
  @Field()
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  carId!: string;

  @Field(() => Int, { nullable: true, defaultValue: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @Field(() => Int, { nullable: true, defaultValue: 20 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

@InputType()
export class CreateBookingInput {
  @Field()
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  carId!: string;

  @Field({ nullable: true, description: 'the caller by default; another customer needs the admin role' })
  @IsOptional()
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  customerId?: string;

  @Field({ description: 'first day (UTC), YYYY-MM-DD' })
  @IsString()
  @IsCalendarDate()
  @IsNotPastDate()
  startDate!: string;

  @Field({ description: 'return day, exclusive, YYYY-MM-DD' })
  @IsString()
  @IsCalendarDate()
  @IsAfterDate('startDate', MAX_BOOKING_DAYS)
  endDate!: string;
}

@ObjectType('Payment')
export class PaymentType {
  @Field() id!: string;
  @Field(() => Int) amount!: number;
  @Field() currency!: string;
  @Field() customerId!: string;
  @Field() status!: string;
  @Field() checkoutUrl!: string;
}

@InputType()
export class CreatePaymentInput {
  @Field(() => Int, { description: 'minor units (cents)' })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  amount!: number;

  @Field(() => String, { description: CURRENCIES.join(', ') })
  @IsIn(CURRENCIES)
  currency!: (typeof CURRENCIES)[number];

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'customerId must be 1 to 64 characters of [A-Za-z0-9_.-]' })
  customerId?: string;
}

@ObjectType('LeaderboardEntry')
export class LeaderboardEntryType {
  @Field(() => Int) rank!: number;
  @Field() member!: string;
  @Field(() => Float) score!: number;
}

@ObjectType('LeaderboardPage')
export class LeaderboardPage {
  @Field(() => [LeaderboardEntryType]) items!: LeaderboardEntryType[];
  @Field(() => Int) limit!: number;
  @Field(() => Int) total!: number;
}
