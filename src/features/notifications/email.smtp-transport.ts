import { Logger } from '@nestjs/common';
import { formatMessage } from './email.mime.js';
import { sendMail, type SmtpSettings } from './email.smtp-client.js';
import type { EmailDelivery, EmailMessage, EmailTransport } from './email.transport.js';

/**
 * `EMAIL_TRANSPORT=smtp`: one SMTP session per message to SMTP_URL (no pooling: simple, and a broken
 * connection never poisons the next message). At-least-once: a worker that dies after the server accepted
 * the message but before the job completed sends it again, with the same Message-ID (the job id), which
 * mail systems use to drop the repeat.
 */
export class SmtpEmailTransport implements EmailTransport {
  private readonly logger = new Logger('Email');

  constructor(private readonly settings: SmtpSettings) {}

  async send(message: EmailMessage, signal: AbortSignal): Promise<EmailDelivery> {
    const accepted = await sendMail(
      this.settings,
      { from: message.from, to: message.to },
      formatMessage(message),
      signal,
    );
    this.logger.log(`e-mail ${message.id} accepted by ${this.settings.host}: ${accepted}`);
    return { messageId: message.id, duplicate: false };
  }
}
