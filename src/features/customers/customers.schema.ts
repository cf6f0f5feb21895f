import { pgTable, text, timestamp, varchar } from 'drizzle-orm/pg-core';

/**
 * One row per verified `sub`, upserted by the session loader on the first request of a token: the
 * snapshot a warm session answers without a query. `email` follows the token's claim.
 */
export const customers = pgTable('customers', {
  id: varchar('id', { length: 64 }).primaryKey(),
  email: text('email'),
  name: text('name'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A customers row as read. */
export type CustomerRow = typeof customers.$inferSelect;
