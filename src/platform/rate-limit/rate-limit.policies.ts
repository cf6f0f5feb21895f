import type { RateLimitAlgorithm, RateLimitFailMode, RateLimitPolicy } from './rate-limit.types.js';

/** A policy's setting from the environment: `limit/window[,algorithm][,fail-open|fail-closed]`. */
export const POLICY_SETTING =
  /^(\d+)\/(\d+)(ms|s|m|h)((?:,(?:sliding-window|fixed-window|token-bucket|fail-open|fail-closed))*)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** The username of a login body, trimmed and lower-cased so `Alice` and `alice ` share one budget. */
export function loginUsername(req: Record<string, unknown>): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.username ?? body?.email;
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/**
 * The built-in policies (the design documents' actions). Each is overridable by `RATE_LIMIT_<NAME>`
 * (`RATE_LIMIT_DEFAULT=100/60s`, `RATE_LIMIT_UPLOAD=20/60s,token-bucket`, `RATE_LIMIT_EXPORT=5/60s,fail-closed`).
 * Only `default` is global; the others apply where a route names them with `@RateLimit(name)`.
 */
export const BUILT_IN_POLICIES: readonly RateLimitPolicy[] = [
  policy('default', 100, 60_000, { global: true }),
  policy('upload', 20, 60_000),
  policy('export', 5, 60_000),
  policy('message', 30, 60_000),
  // Per IP and username: a bearer token (any string makes a principal) must not buy fresh attempts.
  policy('login', 5, 60_000, { tracker: 'ip', key: loginUsername }),
];

function policy(name: string, limit: number, windowMs: number, extra: Partial<RateLimitPolicy> = {}) {
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
  const windowMs = Number(match?.[2]) * UNIT_MS[(match?.[3] ?? 'ms') as keyof typeof UNIT_MS];
  if (!match || limit < 1 || limit > 1e12 || windowMs < 1 || windowMs > 31 * 86_400_000) {
    throw new RateLimitConfigError(
      `${variable} must look like 100/60s (limit 1 to 1e12 / window ms, s, m or h up to 31 days), ` +
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
  base: readonly RateLimitPolicy[] = BUILT_IN_POLICIES,
): RateLimitPolicy[] {
  return base.map((p) => {
    const variable = policyVariable(p.name);
    const value = env[variable];
    return value === undefined || value === '' ? { ...p } : { ...p, ...parsePolicySetting(variable, value) };
  });
}
