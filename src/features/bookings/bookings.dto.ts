import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, IsUUID, Matches, Max, Min, IsOptional } from 'class-validator';
import { IsAfterDate, IsCalendarDate, IsNotPastDate } from './bookings.validation.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_MESSAGE = '$property must be 1 to 64 characters of [A-Za-z0-9_-]';

/** Longest booking, in days. */
export const MAX_BOOKING_DAYS = 90;

/** Body of `POST /bookings`. `endDate` is the return day (exclusive). */
export class CreateBookingDto {
  @ApiProperty({ example: 'car-42' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  carId!: string;

  @ApiPropertyOptional({
    example: 'cust-7',
    description: 'the customer booked for: the caller by default; another customer needs the admin role',
  })
  @IsOptional()
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  customerId?: string;

  @ApiProperty({ example: '2026-12-01', description: 'first day (UTC), today or later' })
  @IsString()
  @IsCalendarDate()
  @IsNotPastDate()
  startDate!: string;

  @ApiProperty({
    example: '2026-12-04',
    description: `return day, exclusive; at most ${MAX_BOOKING_DAYS} days after startDate`,
  })
  @IsString()
  @IsCalendarDate()
  @IsAfterDate('startDate', MAX_BOOKING_DAYS)
  endDate!: string;
}

/** Query of `GET /bookings`. */
export class ListBookingsQuery {
  @ApiProperty({ example: 'car-42' })
  @IsString()
  @Matches(ID, { message: ID_MESSAGE })
  carId!: string;

  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}

/** Path of `DELETE /bookings/:id`. */
export class BookingIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

/** A booking as the API returns it. */
export class BookingView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() carId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() startDate!: string;
  @ApiProperty() endDate!: string;
  @ApiProperty({ description: 'fencing token of the lock the booking was written under' })
  fencingToken!: number;
}

/** A page of bookings. */
export class BookingPage {
  @ApiProperty({ type: [BookingView] }) items!: BookingView[];
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() total!: number;
}
