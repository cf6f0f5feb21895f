import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { dataPhase } from './email.mime.js';
import type { SmtpSettings } from './email.smtp-client.js';
import { EmailError } from './email.transport.js';

/** A server reply: its code and text lines. */
interface Reply {
  code: number;
  lines: string[];
}

/** Longest reply we buffer before calling the server broken (RFC 5321 lines are at most 512 bytes). */
const MAX_BUFFER = 64 * 1024;

/**
 * One SMTP session (RFC 5321) on node:net / node:tls: replies are read line by line (multi-line replies
 * end at `NNN `), every wait is bounded by `timeoutMs` and by the caller's AbortSignal.
 */
export class SmtpSession {
  private socket: Socket;
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter?: { resolve: (r: Reply) => void; reject: (e: Error) => void };
  private failure?: Error;
  private readonly onData = (chunk: Buffer) => this.receive(chunk.toString('latin1'));

  private constructor(
    socket: Socket,
    private readonly settings: SmtpSettings,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  /** Connects (TLS at once for smtps://) and reads the 220 greeting. */
  static async open(settings: SmtpSettings, signal: AbortSignal): Promise<SmtpSession> {
    signal.throwIfAborted();
    const options = { host: settings.host, port: settings.port };
    const socket = settings.secure
      ? tlsConnect({ ...options, servername: isIP(settings.host) ? undefined : settings.host })
      : netConnect(options);
    const session = new SmtpSession(socket, settings);
    const abort = () => session.destroy(new EmailError('EMAIL_UNAVAILABLE', 'SMTP send aborted'));
    signal.addEventListener('abort', abort, { once: true });
    socket.once('close', () => signal.removeEventListener('abort', abort));
    await session.expectReply([220]);
    return session;
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.setTimeout(this.settings.timeoutMs, () =>
      this.destroy(
        new EmailError('EMAIL_UNAVAILABLE', `SMTP server silent for ${this.settings.timeoutMs} ms`),
      ),
    );
    socket.on('error', (err) =>
      this.fail(new EmailError('EMAIL_UNAVAILABLE', `SMTP connection: ${err.message}`, { cause: err })),
    );
    socket.on('close', () => this.fail(new EmailError('EMAIL_UNAVAILABLE', 'SMTP connection closed')));
  }

  private receive(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_BUFFER)
      return this.destroy(new EmailError('EMAIL_PROTOCOL', 'SMTP reply too long'));
    let end: number;
    while ((end = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!match)
        return this.destroy(new EmailError('EMAIL_PROTOCOL', `malformed SMTP reply: ${line.slice(0, 80)}`));
      this.lines.push(match[3]!);
      if (match[2] !== '-') {
        this.replies.push({ code: Number(match[1]), lines: this.lines });
        this.lines = [];
      }
    }
    this.flush();
  }

  private flush(): void {
    if (!this.waiter) return;
    const reply = this.replies.shift();
    if (reply) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(reply);
    } else if (this.failure) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(this.failure);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.flush();
  }

  private destroy(err: Error): void {
    this.fail(err);
    this.socket.destroy();
  }

  /** Waits for the next reply; 4xx is a temporary failure (retry later), 5xx a rejection. */
  async expectReply(codes: number[], context = 'greeting'): Promise<Reply> {
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.flush();
    });
    if (codes.includes(reply.code)) return reply;
    const text = `SMTP ${context}: ${reply.code} ${reply.lines.join(' ').slice(0, 300)}`;
    throw new EmailError(reply.code >= 500 ? 'EMAIL_REJECTED' : 'EMAIL_UNAVAILABLE', text);
  }

  /** Sends one command line and checks the reply code. */
  command(line: string, codes: number[], context = line.split(' ')[0]!): Promise<Reply> {
    if (/[\r\n]/.test(line)) throw new EmailError('EMAIL_PROTOCOL', 'SMTP command with a line break');
    this.socket.write(`${line}\r\n`);
    return this.expectReply(codes, context);
  }

  /** EHLO; returns the extensions (keyword -> parameters). */
  async hello(): Promise<Map<string, string>> {
    const reply = await this.command(`EHLO ${this.settings.clientName}`, [250]);
    const ext = new Map<string, string>();
    for (const line of reply.lines.slice(1)) {
      const [keyword, ...params] = line.trim().split(/[ =]/);
      if (keyword) ext.set(keyword.toUpperCase(), params.join(' ').toUpperCase());
    }
    return ext;
  }

  /** STARTTLS, then the handshake on the same socket (certificate checked against the host). */
  async startTls(): Promise<void> {
    await this.command('STARTTLS', [220]);
    const plain = this.socket;
    plain.off('data', this.onData);
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    plain.setTimeout(0);
    const host = this.settings.host;
    const secure = tlsConnect({ socket: plain, servername: isIP(host) ? undefined : host });
    this.socket = secure;
    this.buffer = '';
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    }).catch((err: Error) => {
      throw new EmailError('EMAIL_INSECURE', `STARTTLS handshake failed: ${err.message}`, { cause: err });
    });
  }

  /** AUTH PLAIN (preferred) or AUTH LOGIN. */
  async authenticate(ext: Map<string, string>, username: string, password: string): Promise<void> {
    const mechanisms = (ext.get('AUTH') ?? '').split(' ');
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    if (mechanisms.includes('PLAIN')) {
      await this.command(`AUTH PLAIN ${b64(`\0${username}\0${password}`)}`, [235], 'AUTH');
    } else if (mechanisms.includes('LOGIN')) {
      await this.command('AUTH LOGIN', [334], 'AUTH');
      await this.command(b64(username), [334], 'AUTH');
      await this.command(b64(password), [235], 'AUTH');
    } else {
      throw new EmailError(
        'EMAIL_PROTOCOL',
        `SMTP server offers no supported AUTH mechanism (${mechanisms.join(' ') || 'none'})`,
      );
    }
  }

  /** DATA with the dot-stuffed message; returns the server's acceptance text (often its queue id). */
  async data(message: string): Promise<string> {
    await this.command('DATA', [354]);
    this.socket.write(dataPhase(message));
    return (await this.expectReply([250], 'DATA')).lines.join(' ');
  }

  /** QUIT and close (best effort: the message is already accepted). */
  async quit(): Promise<void> {
    try {
      this.socket.write('QUIT\r\n');
      await Promise.race([this.expectReply([221], 'QUIT'), new Promise((r) => setTimeout(r, 1_000).unref())]);
    } catch {
      // The server may close first.
    } finally {
      this.socket.destroy();
    }
  }

  /** Drops the connection. */
  close(): void {
    this.socket.destroy();
  }
}
