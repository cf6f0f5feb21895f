/** The request header (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Longest key accepted, in characters (Stripe's limit). */
export const MAX_KEY_LENGTH = 255;

/** Why a header value is not a usable key; `undefined` from {@link parseIdempotencyKey} means "absent". */
export interface InvalidKey {
  invalid: string;
}

const PRINTABLE = /^[\x20-\x7e]+$/;

/**
 * Reads the Idempotency-Key from raw header pairs. The draft defines the field as a Structured Field
 * String (`"8e03978e-..."`, RFC 8941); most clients (and Stripe's) send the bare value, so both are
 * accepted. The key itself must be 1 to 255 printable ASCII characters; a repeated header is refused,
 * since a proxy may have joined two different keys.
 * @example parseIdempotencyKey(req.rawHeaders) // 'abc' | { invalid: '...' } | undefined
 */
export function parseIdempotencyKey(rawHeaders: string[]): string | InvalidKey | undefined {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length - 1; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'idempotency-key') values.push(rawHeaders[i + 1]!);
  }
  if (values.length === 0) return undefined;
  if (values.length > 1) return { invalid: 'send exactly one Idempotency-Key header' };
  const raw = values[0]!.trim();
  const key = raw.startsWith('"') ? decodeSfString(raw) : raw;
  if (key === undefined) return { invalid: 'Idempotency-Key is not a valid quoted string' };
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !PRINTABLE.test(key)) {
    return { invalid: `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters` };
  }
  return key;
}

/** RFC 8941 sf-string: `"` chars `"`, with only `\"` and `\\` as escapes; undefined when malformed. */
function decodeSfString(raw: string): string | undefined {
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const next = raw[++i];
      if (next !== '"' && next !== '\\') return undefined;
      out += next;
    } else if (c === '"') {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}
