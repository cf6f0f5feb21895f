import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Currencies accepted by POST /payments (ISO 4217, lower case as Stripe writes them). */
export const CURRENCIES = ['usd', 'eur', 'gbp'] as const;

/** A payment's state; this reference feature only creates payments awaiting checkout. */
export const PAYMENT_STATUSES = ['requires_payment', 'succeeded', 'canceled'] as const;

/**
 * One row per payment. `idempotency_key` holds the scoped key (SHA-256 of principal and Idempotency-Key)
 * under UNIQUE: if the process dies after the commit but before the response is stored in Redis, the retry
 * meets the existing row instead of paying twice.
 */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    amount: integer('amount').notNull(),
    currency: text('currency', { enum: CURRENCIES }).notNull(),
    customerId: text('customer_id').notNull(),
    status: text('status', { enum: PAYMENT_STATUSES }).notNull().default('requires_payment'),
    checkoutUrl: text('checkout_url').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique('payments_idempotency_key_unique'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('payments_customer_created_idx').on(t.customerId, t.createdAt),
    check('payments_amount_range', sql`${t.amount} BETWEEN 1 AND 1000000000`),
    check('payments_currency_known', sql`${t.currency} IN ('usd', 'eur', 'gbp')`),
  ],
);

/** A payments row as read. */
export type PaymentRow = typeof payments.$inferSelect;
