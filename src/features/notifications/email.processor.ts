import { Inject } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QueueProcessor, type JobProcessor } from '../../platform/queue/index.js';
import { EmailOutbox } from './email.outbox.js';
import { EMAIL_FROM, EmailError, EmailTransport, type EmailDelivery } from './email.transport.js';

/** Name of the e-mail queue. */
export const EMAIL_QUEUE = 'email';

/** Data of an e-mail job (a copy of its `email_message` row, kept in Redis for the job's retention only). */
export interface EmailJob {
  to: string;
  subject: string;
  body: string;
  /** Who asked (SHA-256 of the bearer token, or `anonymous`): only they can read the job's status. */
  principal: string;
}

/**
 * Sends the `email` queue's jobs through the configured transport; the job id is the message id and the
 * outbox row's id. The row is claimed before sending and marked sent after, so a job Redis lost and the
 * reconciler re-added, or a job that runs twice, finds the row sent and does not send again.
 */
@QueueProcessor({ queue: EMAIL_QUEUE })
export class EmailProcessor implements JobProcessor<EmailJob, EmailDelivery> {
  constructor(
    @Inject(EmailTransport) private readonly transport: EmailTransport,
    @Inject(EMAIL_FROM) private readonly from: string,
    @Inject(EmailOutbox) private readonly outbox: EmailOutbox,
  ) {}

  async process(job: Job<EmailJob, EmailDelivery>, signal: AbortSignal): Promise<EmailDelivery> {
    const id = String(job.id);
    // `missing`: a job enqueued before the outbox existed; it is sent as it was then.
    const claim = await this.outbox.claim(id);
    if (claim === 'done') return { messageId: id, duplicate: true };
    let delivery: EmailDelivery;
    try {
      delivery = await this.transport.send(
        {
          id: String(job.id),
          from: this.from,
          to: job.data.to,
          subject: job.data.subject,
          text: job.data.body,
        },
        signal,
      );
    } catch (err) {
      // A permanent refusal (5xx, no TLS for the password) will not change on retry: straight to the DLQ.
      const permanent =
        err instanceof EmailError && (err.code === 'EMAIL_REJECTED' || err.code === 'EMAIL_INSECURE');
      // The last attempt's failure closes the row, or the reconciler would keep checking it.
      if (claim === 'claimed' && (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1))) {
        await this.outbox.finish(id, { failedReason: (err as Error).message }).catch(() => undefined);
      }
      if (permanent) throw new UnrecoverableError((err as Error).message);
      throw err;
    }
    if (claim === 'claimed') await this.outbox.finish(id, 'sent');
    return delivery;
  }
}
