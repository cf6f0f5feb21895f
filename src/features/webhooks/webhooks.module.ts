import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { DatabaseModule } from '../../platform/database/index.js';
import { QueueModule } from '../../platform/queue/index.js';
import { WEBHOOKS_QUEUE, WebhookEvents } from './webhook.events.js';
import { WebhookProcessor } from './webhook.processor.js';
import { WebhooksController } from './webhooks.controller.js';

/** Webhook subscriptions in PostgreSQL and their signed, retried deliveries on the `webhooks` queue. */
@Module({
  imports: [
    QueueModule.registerQueue(WEBHOOKS_QUEUE),
    DatabaseModule.forFeature({
      name: 'webhooks',
      folder: fileURLToPath(new URL('./migrations', import.meta.url)),
    }),
  ],
  controllers: [WebhooksController],
  providers: [WebhookEvents, WebhookProcessor],
  exports: [WebhookEvents],
})
export class WebhooksModule {}
