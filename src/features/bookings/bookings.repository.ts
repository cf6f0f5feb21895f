import { Inject, Injectable, Optional } from '@nestjs/common';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Counter } from 'prom-client';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { bookingFences, bookings, type BookingRow } from './bookings.schema.js';

/** A booking to insert. */
export interface NewBooking {
  id: string;
  carId: string;
  customerId: string;
  startDate: string;
  endDate: string;
  fencingToken: number;
  /** Owner token of the lock acquisition the fencing token belongs to. */
  lockOwner: string;
}

/**
 * The SQLSTATE the fence trigger raises for a token older than one already written for the car (or
 * equal to it from another lock acquisition).
 */
export const STALE_FENCE_SQLSTATE = 'FENCE';

/** True when `err` (or a cause of it: Drizzle wraps driver errors) is the fence trigger's rejection. */
export function isStaleFence(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === STALE_FENCE_SQLSTATE) return true;
  }
  return false;
}

/** SQLSTATE `exclusion_violation`, and the constraint that raises it for overlapping bookings. */
const EXCLUSION_VIOLATION = '23P01';
const NO_OVERLAP_CONSTRAINT = 'bookings_no_overlap';

/** True when `err` (or a cause of it) is the `bookings_no_overlap` exclusion constraint's refusal. */
export function isOverlapRefusal(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, constraint } = e as { code?: unknown; constraint?: unknown };
    if (code === EXCLUSION_VIOLATION && (constraint === undefined || constraint === NO_OVERLAP_CONSTRAINT))
      return true;
  }
  return false;
}

/** Bookings in PostgreSQL (or PGlite), through Drizzle. */
@Injectable()
export class BookingsRepository {
  private readonly refusals?: Counter;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    // Resolves once the feature's migrations are applied.
    @Inject(migrationsToken('bookings')) _migrated: boolean,
    @Optional() metrics?: MetricsService,
  ) {
    this.refusals = metrics?.counter({
      name: 'bookings_overlap_refused_total',
      help: 'Bookings the database refused by its exclusion constraint (two writers passed the lock)',
    });
  }

  /**
   * Inserts the booking unless it overlaps one of the same car ([start, end) ranges). The NOT EXISTS
   * answers the common case without an error; two statements that both pass it on their snapshots (two
   * writers that both believed they held the car's lock) are ordered by the `bookings_no_overlap`
   * exclusion constraint, whose refusals are counted in `bookings_overlap_refused_total`. The fence
   * trigger rejects a stale token (see `isStaleFence`).
   * @returns the row, or undefined when the range overlaps an existing booking.
   */
  async insertIfFree(b: NewBooking): Promise<BookingRow | undefined> {
    try {
      return await this.insertUnlessExisting(b);
    } catch (err) {
      if (!isOverlapRefusal(err)) throw err;
      this.refusals?.inc();
      return undefined;
    }
  }

  private async insertUnlessExisting(b: NewBooking): Promise<BookingRow | undefined> {
    const [row] = await this.db
      .insert(bookings)
      .select(
        sql`SELECT ${b.id}::uuid, ${b.carId}::varchar, ${b.customerId}::varchar, ${b.startDate}::date,
          ${b.endDate}::date, ${b.fencingToken}::bigint, ${b.lockOwner}::varchar, now()
        WHERE NOT EXISTS (
          SELECT 1 FROM ${bookings} WHERE ${bookings.carId} = ${b.carId}::varchar
            AND ${bookings.startDate} < ${b.endDate}::date AND ${bookings.endDate} > ${b.startDate}::date)`,
      )
      .returning();
    return row;
  }

  /** The highest fencing token written for the car (0 when none). */
  async fenceHighWater(carId: string): Promise<number> {
    const [row] = await this.db
      .select({ token: bookingFences.fencingToken })
      .from(bookingFences)
      .where(eq(bookingFences.carId, carId));
    return row ? Number(row.token) : 0;
  }

  /** One page of a car's bookings by start date (of one customer, when `customerId` is given), and the total. */
  async list(
    carId: string,
    page: number,
    limit: number,
    customerId?: string,
  ): Promise<{ rows: BookingRow[]; total: number }> {
    const where = customerId
      ? and(eq(bookings.carId, carId), eq(bookings.customerId, customerId))
      : eq(bookings.carId, carId);
    const [rows, [total]] = await Promise.all([
      this.db
        .select()
        .from(bookings)
        .where(where)
        .orderBy(asc(bookings.startDate), asc(bookings.id))
        .limit(limit)
        .offset((page - 1) * limit),
      this.db.select({ n: count() }).from(bookings).where(where),
    ]);
    return { rows, total: Number(total?.n ?? 0) };
  }

  /** Deletes a booking (only `customerId`'s, when given); true when it existed. */
  async delete(id: string, customerId?: string): Promise<boolean> {
    const where = customerId
      ? and(eq(bookings.id, id), eq(bookings.customerId, customerId))
      : eq(bookings.id, id);
    const deleted = await this.db.delete(bookings).where(where).returning({ id: bookings.id });
    return deleted.length > 0;
  }
}
