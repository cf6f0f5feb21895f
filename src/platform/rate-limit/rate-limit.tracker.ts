import { actorOf, clientIp } from '../http/principal.js';

export { clientIp };

/**
 * The default tracker: `p:` + the verified `sub` (AuthModule's guard runs before the rate limiter), else
 * `ip:` + the client address (IPv6 by /64). It becomes the hash tag of every key of the request, hashed.
 */
export function defaultTracker(req: Record<string, unknown>): string {
  return actorOf(req);
}
