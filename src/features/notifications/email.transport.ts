/** One e-mail to send: a text part, optionally an HTML alternative, one or more recipients. */
export interface EmailMessage {
  /** Unique per message and stable across retries (the job id): the Message-ID, the outbox key. */
  id: string;
  from: string;
  to: string | string[];
  subject: string;
  text: string;
  /** An HTML alternative of `text` (multipart/alternative). */
  html?: string;
}

/** What a transport reports for a message. */
export interface EmailDelivery {
  /** The transport's id for the message (the SMTP server's queue id, or the message id). */
  messageId: string;
  /** True when the message had already been delivered by an earlier run of the same job. */
  duplicate: boolean;
  /** Recipients the server refused while it accepted others (the message went to the rest). */
  rejected?: string[];
}

/**
 * How e-mail leaves the application (port): `log` records and logs (development, tests), `smtp` sends.
 * Chosen by `EMAIL_TRANSPORT`; inject with `@Inject(EmailTransport)`.
 */
export interface EmailTransport {
  /** Sends `message`; rejects on failure (the job is retried). The signal aborts a slow send. */
  send(message: EmailMessage, signal: AbortSignal): Promise<EmailDelivery>;
}

/** Injection token of the EmailTransport port. */
export const EmailTransport = Symbol('EmailTransport');

/** Injection token of the sender address (EMAIL_FROM). */
export const EMAIL_FROM = Symbol('EMAIL_FROM');

/** An e-mail failure with a stable code; `cause` is the underlying error. */
export class EmailError extends Error {
  constructor(
    readonly code: 'EMAIL_REJECTED' | 'EMAIL_UNAVAILABLE' | 'EMAIL_INSECURE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
