import { Logger } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../platform/database/index.js';
import type { EmailDelivery, EmailMessage, EmailTransport } from './email.transport.js';
import { emailOutbox } from './notifications.schema.js';

/**
 * `EMAIL_TRANSPORT=log`: nothing leaves the machine. The message is recorded in `email_outbox` and logged,
 * exactly once per message id: the insert is the delivery, so a repeated run finds the row and only
 * counts itself in `suppressed`. `delayMs` simulates a mail server's latency (tests, benchmarks).
 */
export class LogEmailTransport implements EmailTransport {
  private readonly logger = new Logger('Email');

  /** `db` must hold the notifications migrations (`email_outbox`). */
  constructor(
    private readonly db: Database,
    private readonly delayMs = 0,
  ) {}

  async send(message: EmailMessage, signal: AbortSignal): Promise<EmailDelivery> {
    if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
    const [row] = await this.db
      .insert(emailOutbox)
      .values({
        messageId: message.id,
        fromAddress: message.from,
        toAddress: [message.to].flat().join(', '),
        subject: message.subject,
        body: message.text,
      })
      .onConflictDoUpdate({
        target: emailOutbox.messageId,
        set: { suppressed: sql`${emailOutbox.suppressed} + 1` },
      })
      .returning({ suppressed: emailOutbox.suppressed });
    const duplicate = (row?.suppressed ?? 0) > 0;
    if (duplicate) this.logger.warn(`e-mail ${message.id} was already recorded: not recorded again`);
    else
      this.logger.log(
        `e-mail ${message.id} to ${message.to}: "${message.subject}" (log transport: recorded, not sent)`,
      );
    return { messageId: message.id, duplicate };
  }
}
