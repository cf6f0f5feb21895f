import { Inject, Injectable } from '@nestjs/common';
import { arrayContains } from 'drizzle-orm';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { QueueProducer } from '../../platform/queue/index.js';
import { webhookSubscriptions, type WebhookEventType } from './webhooks.schema.js';

/** Name of the webhook delivery queue. */
export const WEBHOOKS_QUEUE = 'webhooks';

/** Data of one delivery job: one event for one subscription. */
export interface WebhookDelivery {
  subscriptionId: string;
  eventId: string;
  type: WebhookEventType;
  /** ISO 8601. */
  occurredAt: string;
  data: unknown;
}

/**
 * Publishes events to their subscribers: one `webhooks` job per subscription, so a slow or failing
 * receiver retries (with backoff) without holding up the others. Publishing the same event id again
 * within the deduplication window adds nothing (a retried export does not notify twice).
 * @example await events.publish('export.completed', `export:${job.id}`, { jobId: job.id, downloadUrl });
 */
@Injectable()
export class WebhookEvents {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(migrationsToken('webhooks')) _migrated: boolean,
    private readonly producer: QueueProducer,
  ) {}

  /** Enqueues a delivery per subscriber of `type`; returns the delivery job ids. */
  async publish(type: WebhookEventType, eventId: string, data: unknown): Promise<string[]> {
    const subscribers = await this.db
      .select({ id: webhookSubscriptions.id })
      .from(webhookSubscriptions)
      .where(arrayContains(webhookSubscriptions.events, [type]));
    const occurredAt = new Date().toISOString();
    const jobs = await Promise.all(
      subscribers.map((s) => this.deliver({ subscriptionId: s.id, eventId, type, occurredAt, data })),
    );
    return jobs;
  }

  /** Enqueues one delivery. */
  async deliver(delivery: WebhookDelivery): Promise<string> {
    const { jobId } = await this.producer.enqueue(WEBHOOKS_QUEUE, delivery.type, delivery, {
      deduplicationId: `${delivery.eventId}|${delivery.subscriptionId}`,
      scope: 'webhooks',
    });
    return jobId;
  }
}
