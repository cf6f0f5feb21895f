import type { EmailMessage } from './email.transport.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC: `Sun, 22 Nov 2026 03:30:18 +0000`. */
export function rfc5322Date(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${p(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`
  );
}

/**
 * A header value safe from header injection: printable ASCII stays as it is (folded below 78 columns is
 * not needed for a <= 200 character subject, but lines stay under 998); anything else (non-ASCII, CR, LF,
 * control characters) becomes RFC 2047 encoded-words (`=?UTF-8?B?...?=`) of at most 75 characters each.
 */
export function encodeHeaderValue(value: string): string {
  if (PRINTABLE_ASCII.test(value) && value.length <= 900) return value;
  const words: string[] = [];
  let chunk = '';
  // 45 bytes of UTF-8 -> 60 base64 characters + 12 of framing = 72 <= 75; never split a code point.
  for (const ch of value) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** The domain of an address, for the Message-ID. */
function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'localhost';
}

/**
 * The RFC 5322 message of a plain-text e-mail, CRLF line endings, body in base64 (UTF-8, 76-character
 * lines), so no body line can start a header or end the DATA phase. The Message-ID is derived from the
 * message id (the job id): a re-sent job carries the same Message-ID, which receivers use to drop repeats.
 */
export function formatMessage(message: EmailMessage, date = new Date()): string {
  const body = Buffer.from(message.text.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64');
  const lines = body.match(/.{1,76}/g) ?? [];
  const headers = [
    `From: ${message.from}`,
    `To: ${message.to}`,
    `Subject: ${encodeHeaderValue(message.subject)}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: <${message.id}@${domainOf(message.from)}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${lines.join('\r\n')}\r\n`;
}

/** Dot-stuffing for the DATA phase (RFC 5321 4.5.2) and the terminating `.` line. */
export function dataPhase(message: string): string {
  const normalised = message.replace(/\r?\n/g, '\r\n');
  const stuffed = normalised.replace(/(^|\r\n)\./g, '$1..');
  return `${stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`}.\r\n`;
}
