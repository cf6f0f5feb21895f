import { DURATION_SOURCE, toMs, type Duration } from '../common/index.js';
import type { RateLimitAlgorithm, RateLimitFailMode, RateLimitPolicy } from './rate-limit.types.js';

/**
 * A policy's setting from the environment: `limit/window[,algorithm][,fail-open|fail-closed]`, the window
 * a Duration string (`60s`, `1.5m`, `1d`).
 */
export const POLICY_SETTING = new RegExp(
  `^(\\d+)/${DURATION_SOURCE}((?:,(?:sliding-window|fixed-window|token-bucket|fail-open|fail-closed))*)$`,
);

const MAX_WINDOW_MS = 31 * 86_400_000;

/** The window of a setting, or undefined when it is zero or longer than 31 days. */
function windowOf(amount: string, unit: string): number | undefined {
  try {
    return toMs(`${amount}${unit}` as Duration, { min: 1, max: MAX_WINDOW_MS });
  } catch {
    return undefined;
  }
}

/**
 * A key for login-style policies: the username of the body, trimmed and lower-cased so `Alice` and
 * `alice ` share one budget.
 */
export function loginUsername(req: Record<string, unknown>): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.username ?? body?.email;
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/**
 * A policy with the platform's defaults (sliding window, fail open, cost 1, not global). The app declares
 * its named policies with it (overridable by `RATE_LIMIT_<NAME>`); routes use them with `@RateLimit(name)`.
 * @example policy('upload', 20, 60_000)
 */
export function policy(
  name: string,
  limit: number,
  windowMs: number,
  extra: Partial<RateLimitPolicy> = {},
): RateLimitPolicy {
  return {
    name,
    limit,
    windowMs,
    algorithm: 'sliding-window' as const,
    failMode: 'open' as const,
    cost: 1,
    global: false,
    ...extra,
  };
}

/** The platform's one built-in policy: `default`, global, 100 per 60 s (`RATE_LIMIT_DEFAULT`). */
export const defaultPolicy: RateLimitPolicy = policy('default', 100, 60_000, { global: true });

/** A bad `RATE_LIMIT_<NAME>` value; the message names the variable and the expected form. */
export class RateLimitConfigError extends Error {
  readonly code = 'RATE_LIMIT_CONFIG_INVALID';
}

/** The environment variable that overrides a policy: `upload` -> `RATE_LIMIT_UPLOAD`. */
export function policyVariable(name: string): string {
  return `RATE_LIMIT_${name.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Parses `limit/window[,options]`, such as `100/60s` or `5/1m,token-bucket,fail-closed`.
 * @throws RateLimitConfigError naming `variable`.
 */
export function parsePolicySetting(
  variable: string,
  value: string,
): { limit: number; windowMs: number; algorithm?: RateLimitAlgorithm; failMode?: RateLimitFailMode } {
  const match = POLICY_SETTING.exec(value.trim());
  const limit = Number(match?.[1]);
  const windowMs = match ? windowOf(match[2]!, match[3]!) : undefined;
  if (!match || windowMs === undefined || limit < 1 || limit > 1e12) {
    throw new RateLimitConfigError(
      `${variable} must look like 100/60s (limit 1 to 1e12 / window ms, s, m, h or d up to 31 days), ` +
        `optionally followed by ,sliding-window|fixed-window|token-bucket and ,fail-open|fail-closed`,
    );
  }
  const result: ReturnType<typeof parsePolicySetting> = { limit, windowMs };
  for (const option of match[4]!.split(',').filter(Boolean)) {
    if (option === 'fail-open' || option === 'fail-closed')
      result.failMode = option === 'fail-open' ? 'open' : 'closed';
    else result.algorithm = option as RateLimitAlgorithm;
  }
  return result;
}

/** The policies with each `RATE_LIMIT_<NAME>` present in `env` applied. */
export function policiesFromEnv(
  env: Record<string, string | undefined>,
  base: readonly RateLimitPolicy[] = [defaultPolicy],
): RateLimitPolicy[] {
  return base.map((p) => {
    const variable = policyVariable(p.name);
    const value = env[variable];
    return value === undefined || value === '' ? { ...p } : { ...p, ...parsePolicySetting(variable, value) };
  });
}
