import type { PolicyCheck, PolicyResult, RateLimitDecision } from './rate-limit.types.js';

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * `t` of one policy (draft-ietf-httpapi-ratelimit-headers-10): seconds until additional quota is
 * available, never above the window; a refused request's own wait is `Retry-After`'s business.
 */
function resetSeconds(r: PolicyResult): number {
  return seconds(Math.min(r.resetMs, r.windowMs));
}

/** A refusing policy's wait until this request could pass (a cost above the limit never does: a window). */
function waitSeconds(r: PolicyResult): number {
  return r.retryMs < 0 ? seconds(r.windowMs) : seconds(r.retryMs);
}

/**
 * Seconds a refused client must wait: the longest wait of the policies that refused. Rounded up, so the
 * request passes when retried at that time.
 */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  const waits = decision.results.filter((r) => !r.ok).map(waitSeconds);
  return Math.max(1, ...waits);
}

/**
 * The response headers of a rate-limited request (draft-ietf-httpapi-ratelimit-headers, Structured Fields):
 * `RateLimit-Policy: "default";q=100;w=60, "upload";q=20;w=60` for every policy that applies, and
 * `RateLimit: "default";r=42;t=17, ...` for every policy with a known state; plus @nestjs/throttler's
 * `X-RateLimit-Limit|Remaining|Reset` (suffixed `-<name>` for named policies, as the stock guard does).
 */
export function rateLimitHeaders(
  checks: readonly PolicyCheck[],
  decision: RateLimitDecision,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (checks.length === 0) return headers;
  headers['RateLimit-Policy'] = checks
    .map((c) => `"${c.policy}";q=${c.limit};w=${Math.max(1, seconds(c.windowMs))}`)
    .join(', ');
  const items: string[] = [];
  for (const r of decision.results) {
    const t = resetSeconds(r);
    items.push(`"${r.policy}";r=${r.remaining};t=${t}`);
    const suffix = r.policy === 'default' ? '' : `-${r.policy}`;
    headers[`X-RateLimit-Limit${suffix}`] = String(r.limit);
    headers[`X-RateLimit-Remaining${suffix}`] = String(r.remaining);
    headers[`X-RateLimit-Reset${suffix}`] = String(t);
  }
  if (items.length > 0) headers['RateLimit'] = items.join(', ');
  return headers;
}
