import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, isAdmin, type Principal } from '../../platform/auth/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { JobAcceptedDto, QueueProducer } from '../../platform/queue/index.js';
import { RateLimit } from '../../platform/rate-limit/index.js';
import { EMAIL_QUEUE, type EmailJob } from './email.processor.js';
import { EmailJobStatusDto, SendEmailDto } from './notifications.dto.js';

/** E-mail notifications, sent off the request path by the `email` queue. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly producer: QueueProducer) {}

  /** Queues an e-mail; 503 when the queue cannot take it. */
  @Post('email')
  @HttpCode(202)
  @RateLimit('message')
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  @ApiForbiddenResponse({
    description: "`to` is not the caller's verified e-mail (admins may send anywhere)",
  })
  async send(@Body() dto: SendEmailDto, @CurrentPrincipal() me: Principal): Promise<JobAcceptedDto> {
    // Not an open relay: a customer can only write to their own verified address.
    if (!isAdmin(me) && (!me.email || me.email.toLowerCase() !== dto.to.toLowerCase())) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail:
          'to must be the e-mail address of your token (the email claim) unless you have the admin role',
      });
    }
    const data: EmailJob = { to: dto.to, subject: dto.subject, body: dto.body, principal: me.sub };
    const { jobId } = await this.producer.enqueue(EMAIL_QUEUE, 'send', data, {
      deduplicationId: dto.deduplicationId,
      scope: me.sub,
    });
    return { jobId };
  }

  /** The e-mail job's state; 404 for another caller's job or one past its retention. */
  @Get(':jobId')
  @ApiOkResponse({ type: EmailJobStatusDto })
  async status(
    @Param('jobId', new ParseUUIDPipe()) jobId: string,
    @CurrentPrincipal() me: Principal,
  ): Promise<EmailJobStatusDto> {
    const found = await this.producer.getJobWithState<EmailJob>(EMAIL_QUEUE, jobId);
    if (!found || (found.job.data.principal !== me.sub && !isAdmin(me))) {
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
