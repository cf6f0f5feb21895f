import { isPublishedSecret } from './published-secrets.js';
import { ALL_SETTINGS, INVALID, type Settings } from './settings.js';

/** The parsed environment (see ./settings.ts). */
export type EnvironmentVariables = Settings;

/** A configuration error: one line naming the variable and the expected form. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/**
 * Parses every setting of ./settings.ts from `raw` (`process.env`), then applies the defaults. Unknown
 * variables are ignored (the environment holds many); known ones are checked and cross-checked.
 */
function parseSettings(raw: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, setting] of ALL_SETTINGS) {
    const value = setting.parse(raw[name]);
    if (value === INVALID) throw new ConfigError(`${name} must ${setting.expect}`);
    if (value !== undefined) values[name] = value;
  }
  // Constant defaults first: computed ones read them (LOG_LEVEL reads NODE_ENV).
  for (const [name, setting] of ALL_SETTINGS) {
    if (!(name in values) && setting.default !== undefined && typeof setting.default !== 'function')
      values[name] = setting.default;
  }
  const explicitAndConstant = { ...values };
  for (const [name, setting] of ALL_SETTINGS) {
    if (!(name in values) && typeof setting.default === 'function')
      values[name] = (setting.default as (v: typeof values) => unknown)(explicitAndConstant);
  }
  return values;
}

/** Production refuses every test-only (and development-only) switch that is on. */
function refuseTestSwitches(raw: Record<string, unknown>, env: EnvironmentVariables): void {
  const values = env as Record<string, unknown>;
  for (const [name, setting] of ALL_SETTINGS) {
    if (!setting.only || values[name] === setting.default) continue;
    throw new ConfigError(
      setting.only === 'test'
        ? `${name}=${String(raw[name])} is a test-only switch, refused when NODE_ENV=production`
        : `${name}=${String(raw[name])} is for tests and local development, not NODE_ENV=production`,
    );
  }
}

/**
 * Validates and coerces `process.env` (see ./settings.ts), defaults applied.
 * @throws ConfigError with a single-line message naming the first bad variable.
 */
export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const env = parseSettings(raw) as EnvironmentVariables;
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_NAME) {
    throw new ConfigError('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the monitored master name)');
  }
  if (env.REDIS_SENTINELS && env.REDIS_CLUSTER_NODES) {
    throw new ConfigError('REDIS_SENTINELS and REDIS_CLUSTER_NODES are exclusive: set one of them');
  }
  if (env.NODE_ENV === 'production') {
    if (!env.REDIS_URL && !env.REDIS_SENTINELS && !env.REDIS_CLUSTER_NODES) {
      throw new ConfigError(
        'REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) is required when NODE_ENV=production',
      );
    }
    if (!env.DATABASE_URL) throw new ConfigError('DATABASE_URL is required when NODE_ENV=production');
    if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      throw new ConfigError('AUTH_JWT_SECRET or AUTH_JWKS_URL is required when NODE_ENV=production');
    }
    for (const name of ['ADMIN_TOKEN', 'AUTH_JWT_SECRET'] as const) {
      if (env[name] && isPublishedSecret(env[name])) {
        throw new ConfigError(
          `${name} is a value published in this repository; generate a secret of your own`,
        );
      }
    }
    refuseTestSwitches(raw, env);
  }
  if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
    throw new ConfigError('AUTH_JWT_SECRET and AUTH_JWKS_URL are exclusive: set one of them');
  }
  if (env.EMAIL_TRANSPORT === 'smtp' && !env.SMTP_URL) {
    throw new ConfigError(
      'SMTP_URL is required with EMAIL_TRANSPORT=smtp (the default when NODE_ENV=production; EMAIL_TRANSPORT=log only logs)',
    );
  }
  return env;
}
