import { sql } from 'drizzle-orm';
import { bigint, check, date, index, pgTable, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

/**
 * Bookings of cars. `end_date` is the return day, exclusive: [start, end) ranges, so back-to-back
 * bookings do not overlap. Each row keeps the fencing token of the lock under which it was written.
 * The `bookings_no_overlap` exclusion constraint (migration 0002, btree_gist; Drizzle cannot declare it
 * here) refuses overlapping ranges of one car whatever Redis does: the Redis lock is the fast path that
 * keeps contention off the database, the constraint what holds when two writers both believe they hold
 * the lock (a failover lost the key, a lease ran out mid-write).
 */
export const bookings = pgTable(
  'bookings',
  {
    id: uuid('id').primaryKey(),
    carId: varchar('car_id', { length: 64 }).notNull(),
    customerId: varchar('customer_id', { length: 64 }).notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    endDate: date('end_date', { mode: 'string' }).notNull(),
    fencingToken: bigint('fencing_token', { mode: 'number' }).notNull(),
    /** Owner token of that lock acquisition: tells a repeated token from a reused one. */
    lockOwner: varchar('lock_owner', { length: 64 }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('bookings_car_start_idx').on(t.carId, t.startDate),
    check('bookings_range_check', sql`${t.endDate} > ${t.startDate}`),
    check('bookings_fencing_token_check', sql`${t.fencingToken} >= 0`),
  ],
);

/**
 * The highest fencing token written per car and the lock acquisition (owner) that wrote it: the
 * database-side fence. A trigger on `bookings` raises it and rejects (SQLSTATE `FENCE`) a write carrying
 * an older token, or the same token from another acquisition (a counter Redis lost and restarted).
 * It outlives deleted bookings, and it is the high-water mark the Redis counter is reseeded from.
 */
export const bookingFences = pgTable('booking_fences', {
  carId: varchar('car_id', { length: 64 }).primaryKey(),
  fencingToken: bigint('fencing_token', { mode: 'number' }).notNull(),
  lockOwner: varchar('lock_owner', { length: 64 }).notNull(),
});

/** A booking row. */
export type BookingRow = typeof bookings.$inferSelect;
