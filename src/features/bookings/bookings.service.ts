import { Injectable } from '@nestjs/common';
import { EventsPublisher } from '../../platform/pubsub/index.js';
import { randomUUID } from 'node:crypto';
import { LockContext, LockService, WithLock, type Lock } from '../../platform/lock/index.js';
import type { BookingPage, BookingView, CreateBookingDto } from './bookings.dto.js';
import { BookingConflictError, BookingNotFoundError, StaleFencingTokenError } from './bookings.errors.js';
import { BookingsRepository, isStaleFence } from './bookings.repository.js';
import type { BookingRow } from './bookings.schema.js';

/** Lock TTL of a booking write: far above its few ms, short enough for a crashed holder. */
export const BOOKING_LOCK_TTL_MS = 5_000;
/** How long a booking waits for the car's lock: competing customers queue, then see booking-conflict. */
export const BOOKING_LOCK_WAIT_MS = 3_000;

function view(row: BookingRow): BookingView {
  const { id, carId, customerId, startDate, endDate, fencingToken } = row;
  return { id, carId, customerId, startDate, endDate, fencingToken: Number(fencingToken) };
}

/**
 * Bookings of cars: one lock per car (not per date range, so two overlapping ranges never pass
 * together), fencing tokens stored per row and checked by the database.
 */
@Injectable()
export class BookingsService {
  constructor(
    private readonly repo: BookingsRepository,
    private readonly locks: LockService,
    private readonly events: EventsPublisher,
  ) {}

  /**
   * Books a car under the car's lock (taken after validation, so bad input never locks anything).
   * @throws BookingConflictError (409) on overlap; LockBusyError (409) / LockUnavailableError (503)
   */
  @WithLock({ key: 'car:{args.0.carId}', ttlMs: BOOKING_LOCK_TTL_MS, waitMs: BOOKING_LOCK_WAIT_MS })
  async create(input: CreateBookingDto & { customerId: string }): Promise<BookingView> {
    // The lock @WithLock took (or re-entered) for this call: the key is written once, above.
    const lock = LockContext.current();
    if (!lock) throw new Error('BookingsService.create runs without its lock');
    lock.signal.throwIfAborted();
    return this.createUnder(input, lock);
  }

  /**
   * The write, under a lock the caller holds. When the database rejects the token while the lock is
   * still ours, Redis lost the fence counter (FLUSHALL, a restart without AOF, a failover): the counter
   * is reseeded from the database's high-water mark and the write retried once with the new token. When
   * the lock is no longer ours, the holder is stale and the write stays rejected.
   * @throws StaleFencingTokenError (409) for a stale holder
   */
  async createUnder(input: CreateBookingDto & { customerId: string }, lock: Lock): Promise<BookingView> {
    for (let attempt = 0; ; attempt++) {
      const token = lock.fencingToken;
      try {
        const row = await this.repo.insertIfFree({
          ...input,
          id: randomUUID(),
          fencingToken: token,
          lockOwner: lock.token,
        });
        if (!row) throw new BookingConflictError(input.carId, input.startDate, input.endDate);
        const booking = view(row);
        // After the commit: no event for a row that was rolled back; never delays the response.
        this.events.publishSafely('booking.created', booking);
        return booking;
      } catch (err) {
        if (!isStaleFence(err)) throw err;
        const high = attempt === 0 && lock.token ? await this.repo.fenceHighWater(input.carId) : -1;
        if (high < 0 || (await this.locks.reseed(lock, high)) === null) {
          throw new StaleFencingTokenError(input.carId, token, err);
        }
      }
    }
  }

  /** A page of a car's bookings, by start date (only `customerId`'s when given). */
  async list(carId: string, page: number, limit: number, customerId?: string): Promise<BookingPage> {
    const { rows, total } = await this.repo.list(carId, page, limit, customerId);
    return { items: rows.map(view), page, limit, total };
  }

  /**
   * Cancels a booking (no lock needed: removing a range cannot create an overlap); with `customerId`, only
   * that customer's (another's answers not found, so existence does not leak).
   */
  async remove(id: string, customerId?: string): Promise<void> {
    if (!(await this.repo.delete(id, customerId))) throw new BookingNotFoundError(id);
  }
}
