import { defaultPolicy, loginUsername, policy } from '../platform/rate-limit/rate-limit.policies.js';
import type { RateLimitPolicy } from '../platform/rate-limit/rate-limit.types.js';

/**
 * This app's rate-limit policies: the platform's global `default` plus the named policies its routes use
 * with `@RateLimit(name)`. Each is overridable by `RATE_LIMIT_<NAME>` (`RATE_LIMIT_UPLOAD=20/60s,token-bucket`).
 */
export const APP_RATE_LIMIT_POLICIES: readonly RateLimitPolicy[] = [
  defaultPolicy,
  policy('upload', 20, 60_000),
  policy('export', 5, 60_000),
  policy('message', 30, 60_000),
  // Per IP and username: a bearer token (any string makes a principal) must not buy fresh attempts.
  policy('login', 5, 60_000, { tracker: 'ip', key: loginUsername }),
];
