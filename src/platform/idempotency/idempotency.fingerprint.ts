import { sha256Base64url as sha256 } from '../common/sha256.js';
import type { IdempotencyScope } from './idempotency.types.js';

/** Paths that URL parsing leaves as they are: no query, no dot or empty segments, nothing to escape. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9_~.-]*)+$/;

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as RFC 8785 does), no whitespace, `undefined`
 * members dropped as JSON.stringify drops them. Two bodies that differ only in key order or spacing get
 * the same text, so a client's retry serialised differently is still "the same request".
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined && typeof record[k] !== 'function')
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

/** The request target with its query parameters sorted: `/payments?a=1&b=2`. */
export function canonicalTarget(originalUrl: string): string {
  if (PLAIN_PATH.test(originalUrl)) return originalUrl;
  // Appended, not resolved: `//other/path` must stay a path, not become a host.
  const url = new URL(`http://localhost${originalUrl.startsWith('/') ? '' : '/'}${originalUrl}`);
  url.searchParams.sort();
  return url.pathname + url.search;
}

/** What two requests must share to be "the same request" for one key. */
export interface FingerprintInput {
  method: string;
  /** Path and query (see {@link canonicalTarget}). */
  target: string;
  principal: string;
  /** The parsed JSON body, or a route's own fingerprint material; a Buffer is hashed as bytes. */
  body: unknown;
}

/** SHA-256 (base64url) over method, target, principal and the canonical body. */
export function fingerprintOf(input: FingerprintInput): string {
  const head = `${input.method.toUpperCase()}\n${input.target}\n${input.principal}\n`;
  if (Buffer.isBuffer(input.body)) {
    return sha256(Buffer.concat([Buffer.from(`${head}bytes\n`), input.body]));
  }
  return sha256(`${head}json\n${canonicalJson(input.body)}`);
}

/**
 * The scoped key: SHA-256 (base64url, 43 characters) of the scope and the client's key. Used both as the
 * Redis key part (so no user string reaches a key) and as the value a feature stores under UNIQUE.
 */
export function scopedKeyOf(scope: IdempotencyScope, principal: string, key: string): string {
  const space = scope === 'global' ? 'global' : `principal:${principal}`;
  return sha256(`${space}\n${key}`);
}
