import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { SmtpSession } from './email.smtp-session.js';
import { EmailError } from './email.transport.js';

/** Where and how to reach the SMTP server (from SMTP_URL). */
export interface SmtpSettings {
  /** `smtps://`: TLS from the first byte (port 465); `smtp://`: STARTTLS when the server offers it (587). */
  secure: boolean;
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Per-reply timeout (ms). */
  timeoutMs: number;
  /** The name sent in EHLO. */
  clientName: string;
}

/** Parses `smtp://user:password@host:587` or `smtps://user:password@host:465`. */
export function parseSmtpUrl(url: string, timeoutMs = 30_000): SmtpSettings {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new Error('SMTP_URL must start with smtp:// or smtps://');
  const secure = u.protocol === 'smtps:';
  return {
    secure,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || (secure ? 465 : 587)),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    timeoutMs,
    clientName: hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost',
  };
}

/** True for 127.0.0.0/8, ::1 and localhost: the only places a password may travel without TLS. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Sends one message: EHLO, STARTTLS when the server offers it (required before AUTH unless the server is
 * on loopback), AUTH, MAIL FROM, RCPT TO, DATA, QUIT.
 * @throws EmailError: EMAIL_UNAVAILABLE (connection, timeout, 4xx: retry), EMAIL_REJECTED (5xx: do not),
 * EMAIL_INSECURE (no TLS for the credentials), EMAIL_PROTOCOL.
 */
export async function sendMail(
  settings: SmtpSettings,
  envelope: { from: string; to: string },
  message: string,
  signal: AbortSignal,
): Promise<string> {
  const session = await SmtpSession.open(settings, signal);
  try {
    let ext = await session.hello();
    if (!settings.secure && ext.has('STARTTLS')) {
      await session.startTls();
      ext = await session.hello();
    } else if (!settings.secure && settings.username && !isLoopback(settings.host)) {
      throw new EmailError(
        'EMAIL_INSECURE',
        'the SMTP server offers no STARTTLS: refusing to send the password in clear',
      );
    }
    if (settings.username) await session.authenticate(ext, settings.username, settings.password ?? '');
    const utf8 = /[\u0080-\uffff]/.test(envelope.from + envelope.to);
    if (utf8 && !ext.has('SMTPUTF8')) {
      throw new EmailError(
        'EMAIL_REJECTED',
        'non-ASCII address, and the SMTP server does not offer SMTPUTF8',
      );
    }
    await session.command(`MAIL FROM:<${envelope.from}>${utf8 ? ' SMTPUTF8' : ''}`, [250], 'MAIL FROM');
    await session.command(`RCPT TO:<${envelope.to}>`, [250, 251], 'RCPT TO');
    const accepted = await session.data(message);
    await session.quit();
    return accepted;
  } finally {
    session.close();
  }
}
