import {
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { JobAcceptedDto } from '../../platform/queue/index.js';
import { WebhookEvents } from './webhook.events.js';
import { newWebhookSecret } from './webhook.signature.js';
import { CreateSubscriptionDto, SubscriptionDto } from './webhooks.dto.js';
import { webhookSubscriptions } from './webhooks.schema.js';
import { Roles } from '../../platform/auth/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { jobsConfig } from '../../config/app.config.js';
import type { ConfigType } from '@nestjs/config';
import { assertPublicTarget, WebhookTargetError } from './webhook.target.js';

/** Webhook subscriptions (admin): deliveries are signed POSTs retried by the `webhooks` queue. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@Controller('webhooks/subscriptions')
export class WebhooksController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(migrationsToken('webhooks')) _migrated: boolean,
    private readonly events: WebhookEvents,
    @Inject(jobsConfig.KEY) private readonly jobs: ConfigType<typeof jobsConfig>,
  ) {}

  /** Subscribes a URL to events; answers the signing secret once. */
  @Post()
  @ApiCreatedResponse({ type: SubscriptionDto })
  async create(@Body() dto: CreateSubscriptionDto): Promise<SubscriptionDto> {
    try {
      await assertPublicTarget(dto.url, this.jobs.webhookAllowPrivate);
    } catch (err) {
      if (!(err instanceof WebhookTargetError)) throw err;
      throw new ProblemException(400, 'validation-error', 'Bad Request', {
        detail: err.message,
        errors: [{ field: 'url', message: 'the URL must resolve to public addresses only' }],
      });
    }
    const [row] = await this.db
      .insert(webhookSubscriptions)
      .values({ url: dto.url, events: dto.events, secret: newWebhookSecret() })
      .returning();
    return {
      id: row!.id,
      url: row!.url,
      events: row!.events,
      secret: row!.secret,
      createdAt: row!.createdAt.toISOString(),
    };
  }

  /** Sends a `webhook.ping` delivery to one subscription (to test a receiver). */
  @Post(':id/ping')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  async ping(@Param('id', new ParseUUIDPipe()) id: string): Promise<JobAcceptedDto> {
    const [row] = await this.db
      .select({ id: webhookSubscriptions.id })
      .from(webhookSubscriptions)
      .where(eq(webhookSubscriptions.id, id));
    if (!row) throw new NotFoundException(`subscription ${id} not found`);
    const jobId = await this.events.deliver({
      subscriptionId: id,
      eventId: `ping-${randomUUID()}`,
      type: 'webhook.ping',
      occurredAt: new Date().toISOString(),
      data: { subscriptionId: id },
    });
    return { jobId };
  }
}
