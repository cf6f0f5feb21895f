import type { GraphQLError } from 'graphql';
import { actorOf, clientIp } from '../http/principal.js';
import { ProblemException, serviceUnavailable } from '../http/problem.js';
import type { KeyBuilder } from '../redis/key-builder.js';
import { rateLimitHeaders, retryAfterSeconds } from '../rate-limit/rate-limit.headers.js';
import { RateLimitUnavailableError, type RateLimiter } from '../rate-limit/rate-limit.service.js';
import type { PolicyCheck, RateLimitPolicy } from '../rate-limit/rate-limit.types.js';
import { problemAsGraphQLError } from './gql.errors.js';

const SUFFIX = { 'sliding-window': 's', 'fixed-window': 'f', 'token-bucket': 't' } as const;

/** The verdict on a cached answer: headers to send, and the error that replaces the data when refused. */
export interface HitVerdict {
  headers: Record<string, string>;
  refused?: GraphQLError;
}

/**
 * The global rate-limit policies for an operation answered from the result cache, where no resolver (and
 * so no guard) runs: one Redis call, the caller's tracker (principal, else IP; `ip` policies: IP), route key
 * `GraphQL.cached`. A miss is not checked here: its resolvers' guards count it, as routes are counted.
 */
export function cachedHitLimiter(
  limiter: RateLimiter,
  keys: KeyBuilder,
  policies: readonly RateLimitPolicy[],
): (req: object) => Promise<HitVerdict> {
  const globals = policies.filter((p) => p.global);
  return async (req) => {
    if (globals.length === 0) return { headers: {} };
    const tracker = globals.some((p) => p.tracker === 'ip') ? `ip:${clientIp(req)}` : actorOf(req);
    const checks: PolicyCheck[] = globals.map((p) => ({
      policy: p.name,
      key: keys.tagged('rl', [tracker], p.name, SUFFIX[p.algorithm], 'GraphQL.cached'),
      algorithm: p.algorithm,
      limit: p.limit,
      windowMs: p.windowMs,
      cost: p.cost,
      blockMs: p.blockMs ?? 0,
      failMode: p.failMode,
    }));
    let decision;
    try {
      decision = await limiter.consume(checks);
    } catch (err) {
      if (err instanceof RateLimitUnavailableError) {
        const problem = serviceUnavailable(
          `rate limiting is unavailable for ${err.policies.join(', ')}`,
          1,
          err,
        );
        return { headers: {}, refused: problemAsGraphQLError(problem) };
      }
      throw err;
    }
    const headers = rateLimitHeaders(checks, decision);
    if (decision.allowed) return { headers };
    const refused = decision.results.filter((r) => !r.ok).map((r) => r.policy);
    const wait = retryAfterSeconds(decision);
    const problem = new ProblemException(429, 'quota-exceeded', 'Too Many Requests', {
      detail: `rate limit ${refused.map((p) => `"${p}"`).join(', ')} exceeded: retry in ${wait} s`,
      headers: { 'Retry-After': String(wait) },
      policies: refused,
      retryAfter: wait,
    });
    return { headers, refused: problemAsGraphQLError(problem) };
  };
}
