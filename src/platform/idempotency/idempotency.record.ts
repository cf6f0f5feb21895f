import type { StoredResponse } from './idempotency.store.js';

/**
 * An idempotency record as one Redis string, so a claim is a single `SET NX GET` (no script) and the
 * scripts that check the owner compare whole values. Fields are separated by `\n`, which none of them can
 * hold: the fingerprint is base64url, the owner a UUID, the headers compact JSON, the body base64.
 * - running: `r\n<fingerprint>\n<owner>`
 * - done:    `d\n<fingerprint>\n<status>\n<headers JSON>\n<body base64>`
 */
export type IdempotencyRecord =
  | { state: 'running'; fingerprint: string }
  | { state: 'done'; fingerprint: string; response: StoredResponse };

/** The value of a claimed, still running record: also what the owner-checking scripts compare with. */
export function runningRecord(fingerprint: string, owner: string): string {
  return `r\n${fingerprint}\n${owner}`;
}

/** The value of a completed record. */
export function doneRecord(fingerprint: string, response: StoredResponse): string {
  return `d\n${fingerprint}\n${response.status}\n${JSON.stringify(response.headers)}\n${response.body.toString('base64')}`;
}

/** Reads a record; undefined for a value this layout did not write. */
export function parseRecord(value: string): IdempotencyRecord | undefined {
  const a = value.indexOf('\n');
  const b = value.indexOf('\n', a + 1);
  if (a !== 1 || b < 0) return undefined;
  const fingerprint = value.slice(2, b);
  if (value[0] === 'r') return { state: 'running', fingerprint };
  if (value[0] !== 'd') return undefined;
  const c = value.indexOf('\n', b + 1);
  const d = c < 0 ? -1 : value.indexOf('\n', c + 1);
  if (d < 0) return undefined;
  const status = Number(value.slice(b + 1, c));
  let headers: [string, string][];
  try {
    headers = JSON.parse(value.slice(c + 1, d)) as [string, string][];
  } catch {
    return undefined;
  }
  if (!Number.isInteger(status) || !Array.isArray(headers)) return undefined;
  // base64 keeps the bytes exact through ioredis' string replies, whatever the body's encoding.
  return {
    state: 'done',
    fingerprint,
    response: { status, headers, body: Buffer.from(value.slice(d + 1), 'base64') },
  };
}
