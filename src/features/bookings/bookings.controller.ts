import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, isAdmin, ownerFilter, type Principal } from '../../platform/auth/index.js';
import { ProblemException } from '../../platform/http/index.js';
import {
  BookingIdParams,
  BookingPage,
  BookingView,
  CreateBookingDto,
  ListBookingsQuery,
} from './bookings.dto.js';
import { BookingsService } from './bookings.service.js';

/**
 * `POST /bookings`, `GET /bookings?carId=`, `DELETE /bookings/:id`: a customer books for and sees only
 * themselves; the admin role sees and cancels every booking.
 */
@ApiTags('bookings')
@ApiBearerAuth()
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @ApiCreatedResponse({ type: BookingView })
  @ApiConflictResponse({ description: 'booking-conflict (overlap) or lock-busy (problem+json)' })
  @ApiForbiddenResponse({ description: 'booking for another customer without the admin role' })
  create(@Body() dto: CreateBookingDto, @CurrentPrincipal() me: Principal): Promise<BookingView> {
    if (dto.customerId !== undefined && dto.customerId !== me.sub && !isAdmin(me)) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail: 'customerId must be your own (sub) unless you have the admin role',
      });
    }
    return this.bookings.create({ ...dto, customerId: dto.customerId ?? me.sub });
  }

  @Get()
  @ApiOkResponse({ type: BookingPage })
  list(@Query() query: ListBookingsQuery, @CurrentPrincipal() me: Principal): Promise<BookingPage> {
    return this.bookings.list(query.carId, query.page, query.limit, ownerFilter(me));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param() params: BookingIdParams, @CurrentPrincipal() me: Principal): Promise<void> {
    await this.bookings.remove(params.id, ownerFilter(me));
  }
}
