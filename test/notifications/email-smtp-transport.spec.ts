// The nodemailer transport against the smtp-server package on loopback: STARTTLS with a certificate made
// here, AUTH, several recipients, text and HTML parts, and servers that refuse.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { SmtpEmailTransport, smtpOptions } from '../../src/features/notifications/email.smtp-transport.js';
import { EmailError, type EmailMessage } from '../../src/features/notifications/email.transport.js';
import { startSmtpServer, type SmtpServerHandle } from '../support/smtp-server.js';
import { testTmpDir } from '../support/tmp.js';
import { createTestCertificates, type TestCertificates } from '../support/tls-certs.js';

const message = (over: Partial<EmailMessage> = {}): EmailMessage => ({
  id: `m${Math.random().toString(36).slice(2)}`,
  from: 'noreply@example.com',
  to: 'ada@example.com',
  subject: 'Booking confirmed',
  text: 'plain part',
  ...over,
});

/** The transport for `url`, trusting the test CA (as NODE_EXTRA_CA_CERTS does for the app). */
function transport(url: string, ca?: Buffer): SmtpEmailTransport {
  const options = smtpOptions(url, 5_000);
  return new SmtpEmailTransport({ ...options, tls: { ...options.tls, ca } });
}

async function failure(p: Promise<unknown>): Promise<EmailError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EmailError);
  return err as EmailError;
}

describe('SmtpEmailTransport (nodemailer) against smtp-server', () => {
  let certs: TestCertificates;
  let ca: Buffer;
  let smtp: SmtpServerHandle;
  const url = (user = 'mailer', pass = 's3cret p@ss', port = smtp.port) =>
    `smtp://${user}:${encodeURIComponent(pass)}@localhost:${port}`;
  const signal = () => AbortSignal.timeout(10_000);

  beforeAll(async () => {
    certs = await createTestCertificates(testTmpDir('smtp-transport'));
    ca = readFileSync(certs.caFile);
    smtp = await startSmtpServer({
      tls: { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) },
      auth: { user: 'mailer', pass: 's3cret p@ss' },
      reject: ['nobody@example.com'],
    });
  });

  afterAll(async () => {
    await smtp?.close();
  });

  it('sends over STARTTLS with AUTH to several recipients, with a text and an HTML part', async () => {
    const sent = message({
      to: ['ada@example.com', 'bob@example.com', 'cy@example.com'],
      text: 'Your booking 42 is confirmed.',
      html: '<p>Your booking <b>42</b> is confirmed.</p>',
    });
    const delivery = await transport(url(), ca).send(sent, signal());
    expect(delivery).toEqual({ messageId: sent.id, duplicate: false });
    const mail = smtp.mails.find((m) => m.data.includes(sent.id))!;
    expect(mail).toMatchObject({
      from: 'noreply@example.com',
      to: ['ada@example.com', 'bob@example.com', 'cy@example.com'],
      authUser: 'mailer',
      tls: true,
    });
    expect(mail.data).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(mail.data).toMatch(/^Content-Type: text\/plain; charset=utf-8/m);
    expect(mail.data).toMatch(/^Content-Type: text\/html; charset=utf-8/m);
    expect(mail.data).toContain('Your booking 42 is confirmed.');
    expect(mail.data).toContain('<p>Your booking <b>42</b> is confirmed.</p>');
    expect(mail.data).toMatch(new RegExp(`^Message-ID: <${sent.id}@example.com>`, 'm'));
    expect(mail.data).toMatch(/^To: ada@example.com, bob@example.com, cy@example.com/m);
  });

  it('a refused recipient among others: the rest get the message, the refused one is reported', async () => {
    const sent = message({ to: ['ada@example.com', 'nobody@example.com'] });
    const delivery = await transport(url(), ca).send(sent, signal());
    expect(delivery.rejected).toEqual(['nobody@example.com']);
    expect(smtp.mails.find((m) => m.data.includes(sent.id))?.to).toEqual(['ada@example.com']);
  });

  it('every recipient refused: EMAIL_REJECTED (permanent), nothing stored', async () => {
    const sent = message({ to: 'nobody@example.com' });
    const err = await failure(transport(url(), ca).send(sent, signal()));
    expect(err.code).toBe('EMAIL_REJECTED');
    expect(err.message).toContain('550 5.1.1');
    expect(smtp.mails.some((m) => m.data.includes(sent.id))).toBe(false);
  });

  it('a wrong password: EMAIL_REJECTED with the AUTH reply', async () => {
    const err = await failure(transport(url('mailer', 'wrong'), ca).send(message(), signal()));
    expect(err.code).toBe('EMAIL_REJECTED');
    expect(err.message).toMatch(/535/);
  });

  it('an untrusted certificate: EMAIL_INSECURE, the password never leaves', async () => {
    const sent = message();
    const err = await failure(transport(url()).send(sent, signal()));
    expect(err.code).toBe('EMAIL_INSECURE');
    expect(err.message).toMatch(/^STARTTLS handshake failed: .*certificate/);
    expect(smtp.mails.some((m) => m.data.includes(sent.id))).toBe(false);
  });

  it('requires STARTTLS before AUTH unless the server is on loopback', () => {
    expect(smtpOptions('smtp://u:p@mail.example.com:587').requireTLS).toBe(true);
    expect(smtpOptions('smtp://u:p@127.0.0.1:587').requireTLS).toBe(false);
    expect(smtpOptions('smtp://mail.example.com:25').requireTLS).toBe(false);
    expect(smtpOptions('smtps://u:p@mail.example.com').port).toBe(465);
    expect(() => smtpOptions('http://mail.example.com')).toThrow(/smtp:\/\/ or smtps:\/\//);
  });

  describe.each([
    [554, 'EMAIL_REJECTED'],
    [421, 'EMAIL_UNAVAILABLE'],
  ] as const)('a server that refuses every message with %i', (refuseAll, code) => {
    let refusing: SmtpServerHandle;
    beforeAll(async () => {
      refusing = await startSmtpServer({ refuseAll });
    });
    afterAll(async () => {
      await refusing?.close();
    });

    it(`answers ${code}`, async () => {
      const err = await failure(transport(`smtp://localhost:${refusing.port}`).send(message(), signal()));
      expect(err.code).toBe(code);
      expect(err.message).toContain(`SMTP MAIL FROM: ${refuseAll}`);
      expect(refusing.mails).toEqual([]);
    });
  });

  it('a server without STARTTLS while TLS is required: EMAIL_INSECURE', async () => {
    const plain = await startSmtpServer({});
    try {
      const options = smtpOptions(`smtp://u:p@localhost:${plain.port}`, 5_000);
      const err = await failure(
        new SmtpEmailTransport({ ...options, requireTLS: true }).send(message(), signal()),
      );
      expect(err.code).toBe('EMAIL_INSECURE');
      expect(plain.mails).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('an unreachable server: EMAIL_UNAVAILABLE (retried)', async () => {
    const closed = await startSmtpServer({});
    const port = closed.port;
    await closed.close();
    const err = await failure(transport(`smtp://localhost:${port}`).send(message(), signal()));
    expect(err.code).toBe('EMAIL_UNAVAILABLE');
  });
});
