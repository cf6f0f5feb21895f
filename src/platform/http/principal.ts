import { normalizeIp } from '@nestjs/throttler';
import type { Principal } from '../auth/auth.types.js';

/** The scope of requests without a verified principal (rate limits then track the client IP). */
export const ANONYMOUS = 'anonymous';

/** Where AuthGuard leaves the verified principal on the request. */
export const PRINCIPAL = Symbol('principal');

type WithPrincipal = { [PRINCIPAL]?: Principal | null };

/**
 * The verified principal of a request (set by AuthModule's guard, which runs before every other guard),
 * or undefined when it is anonymous.
 */
export function principalOf(req: object): Principal | undefined {
  return (req as WithPrincipal)[PRINCIPAL] ?? undefined;
}

/**
 * The scope of a request: the verified `sub`, else `anonymous`. Idempotency keys, cached private responses
 * and job ownership use it; it is validated or hashed before it reaches a key.
 */
export function scopeOf(req: object): string {
  return principalOf(req)?.sub ?? ANONYMOUS;
}

/** Records the verified principal of a request (AuthModule's guard). */
export function setPrincipal(req: object, principal: Principal | null): void {
  const r = req as WithPrincipal;
  // Anonymous is the absent property: a new property on Node's request object costs a few us per request.
  if (principal === null && r[PRINCIPAL] === undefined) return;
  r[PRINCIPAL] = principal;
}

/** True when the request has a verified principal. */
export function hasCredentials(req: object): boolean {
  return principalOf(req) !== undefined;
}

/**
 * The client address: Express's `req.ip`, which honours `TRUST_PROXY` hops ('trust proxy' is set from it in
 * main.ts) and otherwise is the socket's address, so a forged `X-Forwarded-For` changes nothing. IPv6
 * clients are grouped by /64 (one customer's prefix), as @nestjs/throttler does.
 */
export function clientIp(req: object): string {
  const ip = (req as { ip?: unknown }).ip;
  return typeof ip === 'string' && ip ? normalizeIp(ip) : 'unknown';
}

/** Who a request acts for: `p:<sub>` when verified, else `ip:<client address>`. */
export function actorOf(req: object): string {
  const principal = principalOf(req);
  return principal ? `p:${principal.sub}` : `ip:${clientIp(req)}`;
}
