import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

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

/** States of an {@link emailMessage} row. */
export type EmailMessageStatus = 'pending' | 'sent' | 'failed' | 'cancelled';

/**
 * The transactional outbox: every accepted e-mail, committed before the 202 and keyed by its job id, so
 * that a Redis which loses the job loses nothing (the reconciler re-adds it). `check_at` is when the
 * reconciler next looks at a pending row; `claimed_at` is set by the first attempt to send it.
 */
export const emailMessage = pgTable(
  'email_message',
  {
    id: uuid('id').primaryKey(),
    /** The BullMQ prefix of the deployment that accepted it: its reconcilers are the ones to re-add it. */
    queuePrefix: text('queue_prefix').notNull(),
    principal: text('principal').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    status: text('status').$type<EmailMessageStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    failedReason: text('failed_reason'),
    dedupKey: text('dedup_key'),
    dedupUntil: timestamp('dedup_until', { withTimezone: true }),
    checkAt: timestamp('check_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('email_message_dedup_key').on(t.dedupKey),
    index('email_message_pending_check')
      .on(t.queuePrefix, t.checkAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);
