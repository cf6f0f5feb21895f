// The `smtp-server` package on loopback as the mail server of the e-mail specs: the app (or the
// transport) talks to it over real TCP and TLS exactly as it would to a mail server, and it records
// what it accepted.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message the server accepted. */
export interface AcceptedMail {
  from: string;
  to: string[];
  /** The DATA section as received (CRLF line endings). */
  data: string;
  authUser?: string;
  tls: boolean;
}

/** Options of {@link startSmtpServer}. */
export interface SmtpServerOptions {
  /** Offers STARTTLS with this key and certificate; without it the server offers no STARTTLS. */
  tls?: { key: Buffer; cert: Buffer };
  /** Requires AUTH PLAIN/LOGIN with these credentials; without it AUTH is optional. */
  auth?: { user: string; pass: string };
  /** Recipients answered `550 5.1.1 no such user`. */
  reject?: string[];
  /** Every MAIL FROM answered with this SMTP code (421: temporary, 554: permanent). */
  refuseAll?: 421 | 554;
}

/** A running test SMTP server. */
export interface SmtpServerHandle {
  port: number;
  mails: AcceptedMail[];
  close(): Promise<void>;
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * Starts an SMTP server on 127.0.0.1 and a free port.
 * @example const smtp = await startSmtpServer({ tls: { key, cert }, auth: { user: 'u', pass: 'p' } });
 */
export async function startSmtpServer(options: SmtpServerOptions): Promise<SmtpServerHandle> {
  const mails: AcceptedMail[] = [];
  const serverOptions: SMTPServerOptions = {
    logger: false,
    secure: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { hideSTARTTLS: true }),
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !options.auth,
    onAuth(auth, _session, callback) {
      const ok = options.auth && auth.username === options.auth.user && auth.password === options.auth.pass;
      if (!ok) return callback(smtpError(535, '5.7.8 authentication failed'));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, _session, callback) {
      if (options.refuseAll) return callback(smtpError(options.refuseAll, 'refused by the test server'));
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (options.reject?.includes(address.address)) return callback(smtpError(550, '5.1.1 no such user'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        mails.push({
          from: from ? from.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
          authUser: session.user as string | undefined,
          tls: session.secure,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}
