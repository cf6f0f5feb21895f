import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The shared principal of requests without a bearer token. */
export const ANONYMOUS = 'anonymous';

const CACHE = Symbol('principal');

/**
 * The principal of a request: the SHA-256 (hex) of its bearer token, else `anonymous`. Idempotency keys,
 * cached responses and rate limits are scoped by it; the token itself never reaches Redis.
 */
export function principalOf(req: { headers: IncomingHttpHeaders; [CACHE]?: string }): string {
  const cached = req[CACHE];
  if (cached) return cached;
  const auth = req.headers.authorization;
  const match = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  const principal = match ? createHash('sha256').update(match[1]!).digest('hex') : ANONYMOUS;
  req[CACHE] = principal;
  return principal;
}

/** True when the request carries credentials (a bearer token). */
export function hasCredentials(req: { headers: IncomingHttpHeaders }): boolean {
  return principalOf(req) !== ANONYMOUS;
}
