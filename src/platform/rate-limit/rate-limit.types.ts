import type { ThrottlerGetTrackerFunction } from '@nestjs/throttler';

/**
 * How a policy counts. `sliding-window` (the default) weights the previous window's count by how much of
 * it still overlaps the sliding window; `fixed-window` counts per window anchored at the first request;
 * `token-bucket` refills `limit` tokens per window continuously and allows bursts up to `limit`.
 * See rate-limit.algorithms.ts for the exact rules and the sliding window's error bound.
 */
export type RateLimitAlgorithm = 'sliding-window' | 'fixed-window' | 'token-bucket';

/** What a policy does when Redis is down or over its latency budget. */
export type RateLimitFailMode = 'open' | 'closed';

/** Extracts the extra part of a composite key (the username of a login) from the request. */
export type RateLimitKeyFunction = (req: Record<string, unknown>) => string | undefined;

/** One named rate-limit policy. */
export interface RateLimitPolicy {
  /** `default`, `upload`, ...: the throttler name, the `RateLimit-Policy` item and the key segment. */
  name: string;
  /** Units (requests, or cost units) allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
  algorithm: RateLimitAlgorithm;
  /** `open` (default): fall back to the per-instance in-memory limiter; `closed`: answer 503. */
  failMode: RateLimitFailMode;
  /** Units one request consumes unless the route says otherwise (default 1). */
  cost: number;
  /**
   * True: applies to every route that does not skip it (the `default` policy). False: applies only to
   * routes that name it with `@RateLimit(name)` or `@Throttle({ [name]: ... })`.
   */
  global: boolean;
  /** `ip`: track by client IP even when the request carries a bearer token (login brute force). */
  tracker?: 'principal-or-ip' | 'ip';
  /** Composite key: an extra part taken from the request (hashed into the key). */
  key?: RateLimitKeyFunction;
  /** Once exceeded, stay blocked this long (ms) instead of until the quota frees up; 0 = no block. */
  blockMs?: number;
}

/** Options of RateLimitModule.forRoot / forRootAsync. */
export interface RateLimitModuleOptions {
  /** The policies; `default` is the global one. */
  policies: RateLimitPolicy[];
  /** Time budget of the one Redis call per request, in ms; past it the policy's fail mode applies. */
  redisBudgetMs?: number;
  /** After a Redis failure, go straight to the fallback for this long before trying Redis again (ms). */
  retryRedisAfterMs?: number;
  /** Overrides the tracker (default: principal, else client IP). */
  getTracker?: ThrottlerGetTrackerFunction;
  /** Size bound of the in-memory fallback limiter and of the block list (entries each). */
  maxLocalEntries?: number;
  /** Request paths never limited (prefix match on a `/` boundary); default `/health`, `/metrics`. */
  skipPaths?: string[];
}

/** One policy as resolved for one request: everything the Lua script and the fallback need. */
export interface PolicyCheck {
  policy: string;
  /** Full Redis key (all keys of one request share one hash tag). */
  key: string;
  algorithm: RateLimitAlgorithm;
  limit: number;
  windowMs: number;
  cost: number;
  blockMs: number;
  failMode: RateLimitFailMode;
  /** The key has a part taken from the request content (a composite key such as `login`'s username). */
  composite?: boolean;
}

/** The outcome of one policy. Times are relative, in ms. */
export interface PolicyResult {
  policy: string;
  limit: number;
  windowMs: number;
  /** This policy alone would admit the request. */
  ok: boolean;
  /** Units left after this request (after consuming when the request was allowed). */
  remaining: number;
  /** Time until additional quota is available (draft-10 `t`; 0 at full quota, at most the window). */
  resetMs: number;
  /** When `ok` is false: time until a request of this cost can pass; -1 when it never can (cost > limit). */
  retryMs: number;
}

/** Where a decision came from. */
export type DecisionSource = 'redis' | 'local' | 'blocklist';

/** The outcome of every policy of one request: allowed only when all of them admit it. */
export interface RateLimitDecision {
  allowed: boolean;
  results: PolicyResult[];
  source: DecisionSource;
}
