import { Inject } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { QueueProcessor, type JobProcessor } from '../../platform/queue/index.js';
import { EMAIL_FROM, EmailError, EmailTransport, type EmailDelivery } from './email.transport.js';

/** Name of the e-mail queue. */
export const EMAIL_QUEUE = 'email';

/** Data of an e-mail job (kept in Redis for the job's retention only). */
export interface EmailJob {
  to: string;
  subject: string;
  body: string;
  /** Who asked (SHA-256 of the bearer token, or `anonymous`): only they can read the job's status. */
  principal: string;
}

/** Sends the `email` queue's jobs through the configured transport; the job id is the message id. */
@QueueProcessor({ queue: EMAIL_QUEUE })
export class EmailProcessor implements JobProcessor<EmailJob, EmailDelivery> {
  constructor(
    @Inject(EmailTransport) private readonly transport: EmailTransport,
    @Inject(EMAIL_FROM) private readonly from: string,
  ) {}

  async process(job: Job<EmailJob, EmailDelivery>, signal: AbortSignal): Promise<EmailDelivery> {
    try {
      return await this.transport.send(
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
      if (err instanceof EmailError && (err.code === 'EMAIL_REJECTED' || err.code === 'EMAIL_INSECURE')) {
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
  }
}
