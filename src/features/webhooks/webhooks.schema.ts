import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The events a subscription may name. */
export const WEBHOOK_EVENTS = ['export.completed', 'export.failed', 'webhook.ping'] as const;

/** A webhook event type. */
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/**
 * One subscriber: deliveries of the named events are POSTed to `url`, signed with `secret`
 * (Standard Webhooks: `whsec_` + base64 of the HMAC key). The secret stays in the database: delivery jobs
 * in Redis carry only the subscription id.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    secret: text('secret').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_subscriptions_events_idx').using('gin', t.events)],
);

/** A subscription row. */
export type WebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;
