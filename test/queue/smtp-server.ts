// A small SMTP server on loopback for the e-mail transport spec: EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL,
// RCPT, DATA, QUIT; it records what it accepted. Not a fake of the code under test: the app talks to it
// over real TCP and TLS exactly as it would to a mail server.
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

/** A message the server accepted. */
export interface AcceptedMail {
  from: string;
  to: string[];
  /** The DATA section, dot-unstuffed, CRLF line endings. */
  data: string;
  authUser?: string;
  tls: boolean;
}

/** Options of {@link startSmtpServer}. */
export interface SmtpServerOptions {
  tls?: { key: Buffer; cert: Buffer };
  auth?: { user: string; pass: string };
  /** Recipients answered `550 no such user`. */
  reject?: string[];
}

export async function startSmtpServer(options: SmtpServerOptions): Promise<{
  port: number;
  mails: AcceptedMail[];
  close(): Promise<void>;
}> {
  const mails: AcceptedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    let socket: Socket = raw;
    let secure = false;
    let buffer = '';
    let inData = false;
    let data = '';
    let mail: Partial<AcceptedMail> & { to: string[] } = { to: [] };
    let authUser: string | undefined;
    let loginStep: 'user' | 'pass' | undefined;
    let loginUser = '';
    const send = (line: string) => socket.write(`${line}\r\n`);
    const onLine = (line: string) => {
      if (inData) {
        if (line === '.') {
          inData = false;
          mails.push({ from: mail.from!, to: mail.to, data, authUser, tls: secure });
          mail = { to: [] };
          data = '';
          return send(`250 2.0.0 Ok: queued as Q${mails.length}`);
        }
        data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
        return;
      }
      if (loginStep) {
        const value = Buffer.from(line, 'base64').toString('utf8');
        if (loginStep === 'user') {
          loginUser = value;
          loginStep = 'pass';
          return send('334 UGFzc3dvcmQ6');
        }
        loginStep = undefined;
        if (loginUser === options.auth?.user && value === options.auth.pass) {
          authUser = loginUser;
          return send('235 2.7.0 Authentication successful');
        }
        return send('535 5.7.8 Authentication credentials invalid');
      }
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO': {
          const ext = ['8BITMIME', 'SMTPUTF8'];
          if (options.tls && !secure) ext.push('STARTTLS');
          if (options.auth && (secure || !options.tls)) ext.push('AUTH PLAIN LOGIN');
          return send(
            [`250-test.local greets ${arg}`, ...ext]
              .map((l, i, a) => (i === a.length - 1 ? `250 ${l}` : `250-${l}`))
              .join('\r\n'),
          );
        }
        case 'STARTTLS': {
          if (!options.tls || secure) return send('454 TLS not available');
          send('220 2.0.0 Ready to start TLS');
          raw.removeAllListeners('data');
          socket = new TLSSocket(raw, { isServer: true, key: options.tls.key, cert: options.tls.cert });
          secure = true;
          buffer = '';
          socket.on('data', onData);
          socket.on('error', () => raw.destroy());
          return;
        }
        case 'AUTH': {
          const [mechanism, initial] = arg.split(' ');
          if (mechanism === 'LOGIN') {
            loginStep = 'user';
            return send('334 VXNlcm5hbWU6');
          }
          const [, user, pass] = Buffer.from(initial ?? '', 'base64')
            .toString('utf8')
            .split('\0');
          if (mechanism === 'PLAIN' && user === options.auth?.user && pass === options.auth?.pass) {
            authUser = user;
            return send('235 2.7.0 Authentication successful');
          }
          return send('535 5.7.8 Authentication credentials invalid');
        }
        case 'MAIL':
          if (options.auth && !authUser) return send('530 5.7.0 Authentication required');
          mail.from = /<([^>]*)>/.exec(arg)?.[1];
          return send('250 2.1.0 Ok');
        case 'RCPT': {
          const to = /<([^>]*)>/.exec(arg)?.[1] ?? '';
          if (options.reject?.includes(to))
            return send('550 5.1.1 <' + to + '>: Recipient address rejected: no such user');
          mail.to.push(to);
          return send('250 2.1.5 Ok');
        }
        case 'DATA':
          inData = true;
          return send('354 End data with <CR><LF>.<CR><LF>');
        case 'QUIT':
          send('221 2.0.0 Bye');
          return void socket.end();
        default:
          return send('502 5.5.2 Error: command not recognized');
      }
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onLine(line);
      }
    };
    raw.on('data', onData);
    raw.on('error', () => undefined);
    send('220 test.local ESMTP');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    mails,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
