import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  BookingIdParams,
  BookingPage,
  BookingView,
  CreateBookingDto,
  ListBookingsQuery,
} from './bookings.dto.js';
import { BookingsService } from './bookings.service.js';

/** `POST /bookings`, `GET /bookings?carId=`, `DELETE /bookings/:id`. */
@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @ApiCreatedResponse({ type: BookingView })
  @ApiConflictResponse({ description: 'booking-conflict (overlap) or lock-busy (problem+json)' })
  create(@Body() dto: CreateBookingDto): Promise<BookingView> {
    return this.bookings.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: BookingPage })
  list(@Query() query: ListBookingsQuery): Promise<BookingPage> {
    return this.bookings.list(query.carId, query.page, query.limit);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param() params: BookingIdParams): Promise<void> {
    await this.bookings.remove(params.id);
  }
}
