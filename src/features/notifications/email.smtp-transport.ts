import { Logger } from '@nestjs/common';
import { isIP } from 'node:net';
import {
  createTransport,
  type NodemailerError,
  type SMTPSentMessageInfo,
  type SMTPTransportOptions,
  type Transporter,
} from 'nodemailer';
import { EmailError, type EmailDelivery, type EmailMessage, type EmailTransport } from './email.transport.js';

/** True for 127.0.0.0/8, ::1 and localhost: the only places a password may travel without TLS. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * nodemailer options of `smtp://user:password@host:587` (STARTTLS when offered; required before AUTH
 * unless the server is on loopback) or `smtps://user:password@host:465` (TLS from the first byte).
 * The certificate is always checked (private CAs: NODE_EXTRA_CA_CERTS).
 */
export function smtpOptions(url: string, timeoutMs = 30_000): SMTPTransportOptions {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new Error('SMTP_URL must start with smtp:// or smtps://');
  const secure = u.protocol === 'smtps:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  return {
    host,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    requireTLS: !secure && user !== undefined && !isLoopback(host),
    auth: user === undefined ? undefined : { user, pass: u.password ? decodeURIComponent(u.password) : '' },
    tls: { rejectUnauthorized: true, servername: isIP(host) ? undefined : host },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // One connection per message: a broken connection never poisons the next message.
    pool: false,
    // Never read a file or fetch a URL named in a message: its content may come from a user.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The EmailError of a nodemailer failure: 5xx and TLS problems are permanent, the rest is retried. */
export function emailErrorOf(err: unknown): EmailError {
  if (err instanceof EmailError) return err;
  const e = err as NodemailerError;
  if (
    e.code === 'ETLS' ||
    e.code === 'EREQUIRETLS' ||
    (e.code === 'ESOCKET' && /certificate/i.test(e.message))
  )
    return new EmailError('EMAIL_INSECURE', `STARTTLS handshake failed: ${e.message}`, { cause: err });
  if (e.responseCode !== undefined) {
    const text = `SMTP ${e.command ?? 'reply'}: ${String(e.response ?? e.responseCode).slice(0, 300)}`;
    return new EmailError(e.permanent ? 'EMAIL_REJECTED' : 'EMAIL_UNAVAILABLE', text, { cause: err });
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
    return new EmailError('EMAIL_REJECTED', `SMTP: ${e.message}`, { cause: err });
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH')
    return new EmailError('EMAIL_REJECTED', `SMTP AUTH: ${e.message}`, { cause: err });
  return new EmailError('EMAIL_UNAVAILABLE', `SMTP: ${e.message ?? String(err)}`, { cause: err });
}

/**
 * `EMAIL_TRANSPORT=smtp` on nodemailer: one SMTP session per message to SMTP_URL. At-least-once: a worker
 * that dies after the server accepted the message but before the job completed sends it again, with the
 * same Message-ID (the job id), which mail systems use to drop the repeat. Recipients the server refuses
 * while others are accepted are reported in `rejected` (a retry would repeat the accepted ones).
 */
export class SmtpEmailTransport implements EmailTransport {
  private readonly logger = new Logger('Email');
  private readonly transporter: Transporter<SMTPSentMessageInfo, SMTPTransportOptions>;
  private readonly host: string;

  constructor(options: SMTPTransportOptions) {
    this.host = String(options.host);
    this.transporter = createTransport(options);
  }

  async send(message: EmailMessage, signal: AbortSignal): Promise<EmailDelivery> {
    const domain = message.from.slice(message.from.lastIndexOf('@') + 1) || 'localhost';
    try {
      const info = await this.transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.id}@${domain}>`,
        signal,
      });
      const rejected = info.rejected;
      this.logger.log(`e-mail ${message.id} accepted by ${this.host}: ${info.response}`);
      if (rejected.length) this.logger.warn(`e-mail ${message.id}: refused for ${rejected.join(', ')}`);
      return { messageId: message.id, duplicate: false, ...(rejected.length ? { rejected } : {}) };
    } catch (err) {
      throw emailErrorOf(err);
    }
  }

  /** Closes idle connections (none with `pool: false`; kept for a pooled configuration). */
  close(): void {
    this.transporter.close();
  }
}
