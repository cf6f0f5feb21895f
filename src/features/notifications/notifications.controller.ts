import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { principalOf } from '../../platform/http/index.js';
import { JobAcceptedDto, QueueProducer } from '../../platform/queue/index.js';
import { RateLimit } from '../../platform/rate-limit/index.js';
import { EMAIL_QUEUE, type EmailJob } from './email.processor.js';
import { EmailJobStatusDto, SendEmailDto } from './notifications.dto.js';

/** E-mail notifications, sent off the request path by the `email` queue. */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly producer: QueueProducer) {}

  /** Queues an e-mail; 503 when the queue cannot take it. */
  @Post('email')
  @HttpCode(202)
  @RateLimit('message')
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  async send(@Body() dto: SendEmailDto, @Req() req: Request): Promise<JobAcceptedDto> {
    const principal = principalOf(req);
    const data: EmailJob = { to: dto.to, subject: dto.subject, body: dto.body, principal };
    const { jobId } = await this.producer.enqueue(EMAIL_QUEUE, 'send', data, {
      deduplicationId: dto.deduplicationId,
      scope: principal,
    });
    return { jobId };
  }

  /** The e-mail job's state; 404 for another caller's job or one past its retention. */
  @Get(':jobId')
  @ApiOkResponse({ type: EmailJobStatusDto })
  async status(
    @Param('jobId', new ParseUUIDPipe()) jobId: string,
    @Req() req: Request,
  ): Promise<EmailJobStatusDto> {
    const found = await this.producer.getJobWithState<EmailJob>(EMAIL_QUEUE, jobId);
    if (!found || found.job.data.principal !== principalOf(req)) {
      throw new NotFoundException(`job ${jobId} not found`);
    }
    const { job, state } = found;
    return {
      state,
      attempts: job.attemptsMade,
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    };
  }
}
