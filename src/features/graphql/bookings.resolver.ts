import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, isAdmin, ownerFilter, type Principal } from '../../platform/auth/index.js';
import { loaderOf } from '../../platform/graphql/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { CurrentLock, WithLock, type HeldLock } from '../../platform/lock/index.js';
import { BOOKING_LOCK_TTL_MS, BOOKING_LOCK_WAIT_MS, BookingsService } from '../bookings/bookings.service.js';
import { CatalogueRepository } from '../catalogue/catalogue.repository.js';
import type { Car } from '../catalogue/catalogue.schema.js';
import { BookingPage, BookingsArgs, BookingType, CarType, CreateBookingInput } from './graphql.types.js';

/** The catalogue id a booking's `carId` names (`42` or `car-42`), else undefined. */
export function catalogueId(carId: string): number | undefined {
  const m = /^(?:car-)?(\d{1,9})$/.exec(carId);
  return m ? Number(m[1]) : undefined;
}

/**
 * Bookings over GraphQL, with the REST API's identity rules: a customer sees and books for themselves
 * only, the admin role for anybody. `createBooking` runs under the car's lock (`@WithLock`, the same key
 * as the service's own); `Booking.car` is batched with DataLoader: one SQL statement per batch.
 */
@Resolver(() => BookingType)
export class BookingsResolver {
  constructor(
    private readonly bookings: BookingsService,
    private readonly cars: CatalogueRepository,
  ) {}

  @Query(() => BookingPage, {
    name: 'bookings',
    description: "A page of a car's bookings: the caller's own (admin: all)",
  })
  bookingsOf(@Args() args: BookingsArgs, @CurrentPrincipal() me: Principal): Promise<BookingPage> {
    return this.bookings.list(args.carId, args.page ?? 1, args.limit ?? 20, ownerFilter(me));
  }

  @Mutation(() => BookingType, { description: "Books a car under the car's lock (409 CONFLICT on overlap)" })
  @WithLock({ key: 'car:{body.input.carId}', ttlMs: BOOKING_LOCK_TTL_MS, waitMs: BOOKING_LOCK_WAIT_MS })
  createBooking(
    @Args('input') input: CreateBookingInput,
    @CurrentPrincipal() me: Principal,
    @CurrentLock() lock: HeldLock,
  ): Promise<BookingType> {
    if (input.customerId != null && input.customerId !== me.sub && !isAdmin(me)) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail: 'customerId must be your own (sub) unless you have the admin role',
      });
    }
    return this.bookings.createUnder({ ...input, customerId: input.customerId ?? me.sub }, lock);
  }

  @ResolveField('car', () => CarType, {
    nullable: true,
    description: 'The catalogue car the booking names (`42` or `car-42`), if any',
  })
  car(@Parent() booking: BookingType, @Context() ctx: object): Promise<Car | null> | null {
    const id = catalogueId(booking.carId);
    if (id === undefined) return null;
    const loader = loaderOf<number, Car | null>(ctx, 'carsById', async (ids) => {
      const rows = await this.cars.findMany(ids);
      const byId = new Map(rows.map((c) => [c.id, c]));
      return ids.map((i) => byId.get(i) ?? null);
    });
    return loader.load(id);
  }
}
