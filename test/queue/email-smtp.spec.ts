// EMAIL_TRANSPORT=smtp end to end (API -> queue -> nodemailer -> the smtp-server package): STARTTLS with
// certificate verification, AUTH, a header-injection-proof message, permanent refusals dead-lettered at
// once; and the boot refuses smtp without SMTP_URL. The transport's own cases: test/notifications.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { testTmpDir } from '../support/tmp.js';
import { createTestCertificates } from '../support/tls-certs.js';
import { waitUntil } from '../support/wait.js';
import { appEnv, call, newPrefix, pollUntil, queueView } from './queue-kit.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { readFileSync } from 'node:fs';

/** `=XX` escapes (quoted-printable, RFC 2047 Q words) to UTF-8. */
const unescapeHex = (s: string) =>
  Buffer.from(
    s.replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');

/** Unfolds and decodes the `=?UTF-8?Q?...?=` / `=?UTF-8?B?...?=` encoded-words of a header value. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\r\n =\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/g, (_, enc: string, word: string) =>
      enc === 'B' ? Buffer.from(word, 'base64').toString('utf8') : unescapeHex(word.replace(/_/g, ' ')),
    );
}

/** Decodes a body by its Content-Transfer-Encoding. */
function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return unescapeHex(body.replace(/=\r\n/g, ''));
  return body;
}

describeEachTopology(
  'E-mail over SMTP',
  (redis) => {
    let app: AppHandle;
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    let databaseUrl: string;
    let deadLetter: Queue;
    const prefix = newPrefix();

    beforeAll(async () => {
      const certs = await createTestCertificates(testTmpDir('smtp'));
      smtp = await startSmtpServer({
        tls: { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) },
        auth: { user: 'mailer', pass: 's3cret p@ss' },
        reject: ['nobody@example.com'],
      });
      databaseUrl = await createTestDatabase();
      app = await startApp({
        env: appEnv(redis().env, prefix, databaseUrl, {
          EMAIL_TRANSPORT: 'smtp',
          SMTP_URL: `smtp://mailer:${encodeURIComponent('s3cret p@ss')}@localhost:${smtp.port}`,
          EMAIL_FROM: 'noreply@example.com',
          // The app trusts the test CA the way a deployment trusts a private CA.
          NODE_EXTRA_CA_CERTS: certs.caFile,
        }),
      });
      deadLetter = queueView(redis(), prefix, 'dead-letter');
    }, 60_000);

    afterAll(async () => {
      await deadLetter?.close();
      await app?.stop();
      await smtp?.close();
    }, 30_000);

    it('sends through STARTTLS and AUTH; the subject cannot inject headers; the body arrives intact', async () => {
      const subject = 'Réservation confirmée ✓\r\nBcc: victim@example.com';
      const body = 'Hello Ada,\n.\n..a line starting with dots\nÀ bientôt';
      const sent = await call(app, 'POST', '/notifications/email', { to: 'ada@example.com', subject, body });
      expect(sent.status).toBe(202);
      const jobId = String(sent.json.jobId);
      await pollUntil(app, `/notifications/${jobId}`, (a) => a.json.state === 'completed');
      expect(smtp.mails).toHaveLength(1);
      const [mail] = smtp.mails;
      expect(mail).toMatchObject({
        from: 'noreply@example.com',
        to: ['ada@example.com'],
        authUser: 'mailer',
        tls: true,
      });
      const [head, encoded] = mail!.data.split('\r\n\r\n');
      const headers = head!.split(/\r\n(?! )/);
      expect(headers.filter((h) => /^bcc:/i.test(h))).toEqual([]);
      const header = (name: string) => headers.find((h) => h.startsWith(`${name}: `))!.slice(name.length + 2);
      // nodemailer turns a line break of a header value into a space: the injected line stays subject text.
      expect(decodeHeader(header('Subject'))).toBe(subject.replace(/\r\n/g, ' '));
      expect(header('Message-ID')).toBe(`<${jobId}@example.com>`);
      expect(header('To')).toBe('ada@example.com');
      expect(header('Content-Type')).toBe('text/plain; charset=utf-8');
      expect(decodeBody(encoded!, header('Content-Transfer-Encoding')).replace(/\r\n$/, '')).toBe(
        body.replace(/\n/g, '\r\n'),
      );
    });

    it('a permanent refusal (550) is not retried: dead-lettered after one attempt with the server reply', async () => {
      const sent = await call(app, 'POST', '/notifications/email', {
        to: 'nobody@example.com',
        subject: 's',
        body: 'b',
      });
      const jobId = String(sent.json.jobId);
      const dead = await waitUntil(() => deadLetter.getJob(`email-${jobId}`), {
        message: 'not dead-lettered',
      });
      expect(dead.data.attemptsMade).toBe(1);
      expect(dead.data.failedReason).toContain('SMTP RCPT TO: 550 5.1.1');
      const status = await call(app, 'GET', `/notifications/${jobId}`);
      expect(status.json).toMatchObject({ state: 'failed', attempts: 1 });
    });

    it('checks the server certificate: without the CA the handshake fails and nothing is sent', async () => {
      const untrusting = await startApp({
        env: appEnv(redis().env, prefix, databaseUrl, {
          QUEUE_WORKERS: '1',
          EMAIL_TRANSPORT: 'smtp',
          SMTP_URL: `smtp://mailer:x@localhost:${smtp.port}`,
        }),
      });
      try {
        // Take over the queue: the first app stops processing, the untrusting one gets the job.
        await app.stop();
        const sent = await call(untrusting, 'POST', '/notifications/email', {
          to: 'ada@example.com',
          subject: 's',
          body: 'b',
        });
        const jobId = String(sent.json.jobId);
        const dead = await waitUntil(() => deadLetter.getJob(`email-${jobId}`), {
          message: 'not dead-lettered',
        });
        expect(dead.data.failedReason).toMatch(/^STARTTLS handshake failed: .*certificate/);
        expect(smtp.mails.filter((m) => m.data.includes(jobId))).toEqual([]);
      } finally {
        await untrusting.stop();
      }
    });

    it('refuses to boot with EMAIL_TRANSPORT=smtp and no SMTP_URL, in one line', async () => {
      const failed = await startApp({
        env: appEnv(redis().env, newPrefix(), databaseUrl, { EMAIL_TRANSPORT: 'smtp', SMTP_URL: '' }),
      }).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(failed?.message).toContain(
        'configuration error: SMTP_URL is required with EMAIL_TRANSPORT=smtp',
      );
    });
  },
  ['standalone'],
);
