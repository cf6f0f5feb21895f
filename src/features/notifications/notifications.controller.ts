import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
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
import { ProblemException, serviceUnavailable } from '../../platform/http/index.js';
import { JobAcceptedDto, QueueProducer, QueueUnavailableProblem } from '../../platform/queue/index.js';
import { RateLimit } from '../../platform/rate-limit/index.js';
import { EmailOutbox } from './email.outbox.js';
import { EMAIL_QUEUE, type EmailJob } from './email.processor.js';
import { EmailJobStatusDto, SendEmailDto } from './notifications.dto.js';

/** E-mail notifications, sent off the request path by the `email` queue. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly producer: QueueProducer,
    @Inject(EmailOutbox) private readonly outbox: EmailOutbox,
  ) {}

  /**
   * Records the e-mail in the outbox (committed), then adds its job under the row's id: one SQL statement
   * and one Redis round trip. 503 when Redis refuses the add and the row could be cancelled (nothing will
   * be sent: the client retries); a deduplicated request answers the earlier row without touching Redis.
   */
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
    let recorded;
    try {
      recorded = await this.outbox.record(data, dto.deduplicationId);
    } catch (err) {
      // Nothing was acknowledged and nothing is sent: the client retries (the database is the outbox).
      throw serviceUnavailable('the e-mail could not be recorded; try again', 1, err);
    }
    const { id, created } = recorded;
    // The earlier request was acknowledged and its row is durable: the reconciler re-adds its job if need be.
    if (!created) return { jobId: id };
    try {
      await this.producer.enqueue(EMAIL_QUEUE, 'send', data, { jobId: id });
    } catch (err) {
      // The refused add may still have reached Redis and a worker may have claimed the row: then it is
      // being sent and the answer is 202; otherwise the row is cancelled and the 503 stands.
      if (err instanceof QueueUnavailableProblem && !(await this.outbox.cancel(id).catch(() => true))) {
        return { jobId: id };
      }
      throw err;
    }
    return { jobId: id };
  }

  /**
   * The e-mail job's state from Redis (2 round trips); for a job Redis no longer has (past its retention,
   * or lost), from the outbox row (1 SQL statement): `waiting` until sent, then `completed`. 404 for
   * another caller's job; 503 while Redis does not answer.
   */
  @Get(':jobId')
  @ApiOkResponse({ type: EmailJobStatusDto })
  async status(
    @Param('jobId', new ParseUUIDPipe()) jobId: string,
    @CurrentPrincipal() me: Principal,
  ): Promise<EmailJobStatusDto> {
    const found = await this.producer.getJobWithState<EmailJob>(EMAIL_QUEUE, jobId);
    if (!found) {
      const row = await this.outbox.find(jobId);
      if (!row || row.status === 'cancelled' || (row.principal !== me.sub && !isAdmin(me))) {
        throw new NotFoundException(`job ${jobId} not found`);
      }
      const state = { pending: 'waiting', sent: 'completed', failed: 'failed' }[row.status];
      return {
        state,
        attempts: row.attempts,
        ...(row.failedReason ? { failedReason: row.failedReason } : {}),
      };
    }
    if (found.job.data.principal !== me.sub && !isAdmin(me)) {
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
