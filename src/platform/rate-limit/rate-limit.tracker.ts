import { normalizeIp } from '@nestjs/throttler';
import { ANONYMOUS, principalOf } from '../http/principal.js';

type RequestLike = Record<string, unknown> & { headers: Record<string, string | string[] | undefined> };

/**
 * The client address: Express's `req.ip`, which honours `TRUST_PROXY` hops ('trust proxy' is set from it in
 * main.ts) and otherwise is the socket's address, so a forged `X-Forwarded-For` changes nothing. IPv6
 * clients are grouped by /64 (one customer's prefix), as @nestjs/throttler does.
 */
export function clientIp(req: Record<string, unknown>): string {
  const ip = typeof req.ip === 'string' && req.ip ? req.ip : undefined;
  return ip ? normalizeIp(ip) : 'unknown';
}

/**
 * The default tracker: `p:` + the principal (SHA-256 of the bearer token) when the request carries one,
 * else `ip:` + the client address. It becomes the hash tag of every key of the request, hashed.
 */
export function defaultTracker(req: Record<string, unknown>): string {
  const principal = principalOf(req as RequestLike);
  return principal === ANONYMOUS ? `ip:${clientIp(req)}` : `p:${principal}`;
}
