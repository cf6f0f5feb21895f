import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * What the `log` e-mail transport "sent": one row per message, keyed by the message id (the job id), so a
 * job that runs twice (its worker died after sending, before BullMQ recorded the completion) records and
 * logs its e-mail once; `suppressed` counts the repeats that were refused.
 */
export const emailOutbox = pgTable('email_outbox', {
  messageId: text('message_id').primaryKey(),
  fromAddress: text('from_address').notNull(),
  toAddress: text('to_address').notNull(),
  subject: text('subject').notNull(),
  body: text('body').notNull(),
  suppressed: integer('suppressed').notNull().default(0),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
});
