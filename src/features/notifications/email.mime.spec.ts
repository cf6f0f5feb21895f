import { describe, expect, it } from '@jest/globals';
import { dataPhase, encodeHeaderValue, formatMessage, rfc5322Date } from './email.mime.js';

const decode = (v: string) =>
  v
    .replace(/\r\n /g, '')
    .replace(/=\?UTF-8\?B\?([^?]*)\?=/g, (_, b: string) => Buffer.from(b, 'base64').toString('utf8'));

describe('e-mail formatting', () => {
  it('formats the date as RFC 5322 in UTC', () => {
    expect(rfc5322Date(new Date('2026-11-22T03:04:05Z'))).toBe('Sun, 22 Nov 2026 03:04:05 +0000');
  });

  it('keeps printable ASCII headers, encodes anything else in words of at most 75 characters', () => {
    expect(encodeHeaderValue('Your export is ready')).toBe('Your export is ready');
    const tricky = 'Réservation ✓ '.repeat(8) + '\r\nBcc: victim@example.com';
    const encoded = encodeHeaderValue(tricky);
    expect(encoded).not.toMatch(/\r\n(?! )/); // every line break is a fold
    for (const word of encoded.split('\r\n ')) expect(word.length).toBeLessThanOrEqual(75);
    expect(decode(encoded)).toBe(tricky);
  });

  it('writes a MIME message with a base64 body, a Message-ID from the message id, CRLF lines', () => {
    const text = 'Hello\n.\nbye';
    const message = formatMessage(
      { id: 'job-1', from: 'noreply@example.com', to: 'ada@example.com', subject: 'Hi', text },
      new Date('2026-11-22T03:04:05Z'),
    );
    const [head, body] = message.split('\r\n\r\n');
    expect(head!.split('\r\n')).toEqual([
      'From: noreply@example.com',
      'To: ada@example.com',
      'Subject: Hi',
      'Date: Sun, 22 Nov 2026 03:04:05 +0000',
      'Message-ID: <job-1@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
    ]);
    expect(Buffer.from(body!.replace(/\r\n/g, ''), 'base64').toString('utf8')).toBe('Hello\r\n.\r\nbye');
    for (const line of body!.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
  });

  it('dot-stuffs the DATA phase and ends it with a lone dot', () => {
    expect(dataPhase('a\r\n.b\r\n..c\r\n')).toBe('a\r\n..b\r\n...c\r\n.\r\n');
    expect(dataPhase('.x')).toBe('..x\r\n.\r\n');
  });
});
