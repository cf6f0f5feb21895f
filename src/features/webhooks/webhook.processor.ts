import { Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Job } from 'bullmq';
import { eq } from 'drizzle-orm';
import { jobsConfig } from '../../config/app.config.js';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { QueueProcessor, type JobProcessor } from '../../platform/queue/index.js';
import { WEBHOOKS_QUEUE, type WebhookDelivery } from './webhook.events.js';
import { signWebhook, WEBHOOK_HEADERS } from './webhook.signature.js';
import { postWebhook, WebhookTargetError } from './webhook.target.js';
import { webhookSubscriptions } from './webhooks.schema.js';

/** What a delivery job returns. */
export type WebhookOutcome = { status: number } | { skipped: string };

/**
 * POSTs a delivery to its subscriber, signed (Standard Webhooks headers; `webhook-id` is the job id, the
 * same on every retry, for the receiver to drop repeats). Anything but a 2xx within WEBHOOK_TIMEOUT_MS
 * fails the attempt: the queue retries with exponential backoff and dead-letters after the last attempt.
 * Redirects are not followed (a 3xx fails), so a delivery only ever goes to the subscribed URL, and the
 * connection goes to the address that was checked to be public (see webhook.target.ts).
 */
@QueueProcessor({ queue: WEBHOOKS_QUEUE })
export class WebhookProcessor implements JobProcessor<WebhookDelivery, WebhookOutcome> {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(migrationsToken('webhooks')) _migrated: boolean,
    @Inject(jobsConfig.KEY) private readonly jobs: ConfigType<typeof jobsConfig>,
  ) {}

  async process(job: Job<WebhookDelivery, WebhookOutcome>, signal: AbortSignal): Promise<WebhookOutcome> {
    const d = job.data;
    const [subscription] = await this.db
      .select()
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, d.subscriptionId));
    if (!subscription) return { skipped: 'subscription deleted' };
    const body = JSON.stringify({ id: d.eventId, type: d.type, occurredAt: d.occurredAt, data: d.data });
    const id = String(job.id);
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number;
    try {
      status = await postWebhook(
        subscription.url,
        {
          'content-type': 'application/json',
          'user-agent': 'nest-redis-platform-webhooks/1',
          [WEBHOOK_HEADERS.id]: id,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(subscription.secret, id, timestamp, body),
        },
        body,
        {
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.jobs.webhookTimeoutMs)]),
          allowPrivate: this.jobs.webhookAllowPrivate,
        },
      );
    } catch (err) {
      if (err instanceof WebhookTargetError)
        throw new Error(`target refused: ${err.message}`, { cause: err });
      const e = err as Error & { code?: string };
      throw new Error(`receiver unreachable: ${e.code ?? e.message}`, { cause: err });
    }
    // Redirects are not followed: a 3xx fails like any other non-2xx.
    if (status < 200 || status >= 300) throw new Error(`receiver answered HTTP ${status}`);
    return { status };
  }
}
