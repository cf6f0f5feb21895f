import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { POLICY_SETTING } from '../platform/rate-limit/rate-limit.policies.js';
import { isPublishedSecret } from './published-secrets.js';

const HOST_PORT_LIST =
  /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}(,(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5})*$/;
const RATE = /^\d+\/\d+(ms|s|m|h)$/;
const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const policyMessage = (name: string, example: string) =>
  `${name} must look like ${example} (limit/window with ms, s, m or h), optionally followed by ` +
  ',sliding-window|fixed-window|token-bucket and ,fail-open|fail-closed';

// --- queue ---
/** An optional integer variable from `min` to `max`, with the one-line message naming it. */
function QueueInt(name: string, min: number, max: number): PropertyDecorator {
  const message = `${name} must be an integer from ${min} to ${max}`;
  const decorators = [
    Transform(toInt),
    IsOptional(),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  ];
  return (target, key) => decorators.forEach((d) => d(target, key as string));
}

/**
 * The environment the process accepts, validated once at boot. Each property names its expected form in
 * the validation message, so a bad value stops the boot with one line that says what to set.
 */
export class EnvironmentVariables {
  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'PORT must be an integer from 0 to 65535' })
  @Min(0, { message: 'PORT must be an integer from 0 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 0 to 65535' })
  PORT?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[0-9a-fA-F:.]+$|^localhost$/, {
    message: 'HOST must be an IP address to listen on, such as 0.0.0.0 or 127.0.0.1',
  })
  HOST?: string;

  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: 'NODE_ENV must be development, production or test',
  })
  NODE_ENV?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, {
    message: 'REDIS_URL must look like redis://[user:password@]host:port[/db] or rediss://...',
  })
  REDIS_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must be a comma-separated list of host:port' })
  REDIS_SENTINELS?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'REDIS_SENTINEL_NAME must be a master name such as mymaster',
  })
  REDIS_SENTINEL_NAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must be a comma-separated list of host:port' })
  REDIS_CLUSTER_NODES?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString({ message: 'REDIS_TLS_CA must be a path to a PEM file' })
  REDIS_TLS_CA?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, {
    message: 'REDIS_KEY_PREFIX must be 1 to 32 characters of [A-Za-z0-9_-]',
  })
  REDIS_KEY_PREFIX?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, {
    message: 'DATABASE_URL must look like postgres://user:password@host:port/db',
  })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  ADMIN_TOKEN?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 bytes (an HS256 shared secret)' })
  AUTH_JWT_SECRET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'AUTH_JWKS_URL must be an http(s):// URL of a JWKS document' })
  AUTH_JWKS_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString({ message: 'AUTH_ISSUER must be the expected iss claim' })
  AUTH_ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString({ message: 'AUTH_AUDIENCE must be the expected aud claim' })
  AUTH_AUDIENCE?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'AUTH_JWKS_COOLDOWN_MS must be an integer from 0 to 3600000' })
  @Min(0, { message: 'AUTH_JWKS_COOLDOWN_MS must be an integer from 0 to 3600000' })
  @Max(3600000, { message: 'AUTH_JWKS_COOLDOWN_MS must be an integer from 0 to 3600000' })
  AUTH_JWKS_COOLDOWN_MS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'AUTH_CLOCK_SKEW_S must be an integer from 0 to 300' })
  @Min(0, { message: 'AUTH_CLOCK_SKEW_S must be an integer from 0 to 300' })
  @Max(300, { message: 'AUTH_CLOCK_SKEW_S must be an integer from 0 to 300' })
  AUTH_CLOCK_SKEW_S?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'TRUST_PROXY must be the number of proxy hops, 0 to 10' })
  @Min(0, { message: 'TRUST_PROXY must be the number of proxy hops, 0 to 10' })
  @Max(10, { message: 'TRUST_PROXY must be the number of proxy hops, 0 to 10' })
  TRUST_PROXY?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(RATE, { message: 'RATE_LIMIT_DEFAULT must look like 100/60s (limit/window with ms, s, m or h)' })
  RATE_LIMIT_DEFAULT?: string;

  @IsOptional()
  @IsIn(['0', '1'], { message: 'BENCH_ROUTES must be 0 or 1' })
  BENCH_ROUTES?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString({ message: 'DATA_DIR must be a directory path' })
  DATA_DIR?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'REDIS_COMMAND_TIMEOUT_MS must be an integer from 50 to 60000' })
  @Min(50, { message: 'REDIS_COMMAND_TIMEOUT_MS must be an integer from 50 to 60000' })
  @Max(60000, { message: 'REDIS_COMMAND_TIMEOUT_MS must be an integer from 50 to 60000' })
  REDIS_COMMAND_TIMEOUT_MS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'BODY_LIMIT_KB must be an integer from 1 to 10240' })
  @Min(1, { message: 'BODY_LIMIT_KB must be an integer from 1 to 10240' })
  @Max(10240, { message: 'BODY_LIMIT_KB must be an integer from 1 to 10240' })
  BODY_LIMIT_KB?: number;

  // --- GraphQL (/graphql): the operation result cache, persisted queries and the operation limits ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['0', '1'], { message: 'GRAPHQL_RESULT_CACHE must be 0 or 1' })
  GRAPHQL_RESULT_CACHE?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'GRAPHQL_MAX_DEPTH must be an integer from 1 to 100' })
  @Min(1, { message: 'GRAPHQL_MAX_DEPTH must be an integer from 1 to 100' })
  @Max(100, { message: 'GRAPHQL_MAX_DEPTH must be an integer from 1 to 100' })
  GRAPHQL_MAX_DEPTH?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000' })
  @Min(0, { message: 'GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000' })
  @Max(1000, { message: 'GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000' })
  GRAPHQL_MAX_ALIASES?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'GRAPHQL_MAX_COMPLEXITY must be an integer from 1 to 1000000' })
  @Min(1, { message: 'GRAPHQL_MAX_COMPLEXITY must be an integer from 1 to 1000000' })
  @Max(1000000, { message: 'GRAPHQL_MAX_COMPLEXITY must be an integer from 1 to 1000000' })
  GRAPHQL_MAX_COMPLEXITY?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'GRAPHQL_MAX_TOKENS must be an integer from 100 to 1000000' })
  @Min(100, { message: 'GRAPHQL_MAX_TOKENS must be an integer from 100 to 1000000' })
  @Max(1000000, { message: 'GRAPHQL_MAX_TOKENS must be an integer from 100 to 1000000' })
  GRAPHQL_MAX_TOKENS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'GRAPHQL_APQ_TTL_S must be an integer from 1 to 604800' })
  @Min(1, { message: 'GRAPHQL_APQ_TTL_S must be an integer from 1 to 604800' })
  @Max(604800, { message: 'GRAPHQL_APQ_TTL_S must be an integer from 1 to 604800' })
  GRAPHQL_APQ_TTL_S?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'GRAPHQL_APQ_MAX_KB must be an integer from 1 to 1024' })
  @Min(1, { message: 'GRAPHQL_APQ_MAX_KB must be an integer from 1 to 1024' })
  @Max(1024, { message: 'GRAPHQL_APQ_MAX_KB must be an integer from 1 to 1024' })
  GRAPHQL_APQ_MAX_KB?: number;

  // --- rate limit (RateLimitModule): RATE_LIMIT_<NAME> overrides a named policy ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(POLICY_SETTING, { message: policyMessage('RATE_LIMIT_UPLOAD', '20/60s') })
  RATE_LIMIT_UPLOAD?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(POLICY_SETTING, { message: policyMessage('RATE_LIMIT_EXPORT', '5/60s') })
  RATE_LIMIT_EXPORT?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(POLICY_SETTING, { message: policyMessage('RATE_LIMIT_MESSAGE', '30/60s') })
  RATE_LIMIT_MESSAGE?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(POLICY_SETTING, { message: policyMessage('RATE_LIMIT_LOGIN', '5/60s') })
  RATE_LIMIT_LOGIN?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'RATE_LIMIT_REDIS_BUDGET_MS must be an integer from 5 to 5000' })
  @Min(5, { message: 'RATE_LIMIT_REDIS_BUDGET_MS must be an integer from 5 to 5000' })
  @Max(5000, { message: 'RATE_LIMIT_REDIS_BUDGET_MS must be an integer from 5 to 5000' })
  RATE_LIMIT_REDIS_BUDGET_MS?: number;

  @IsOptional()
  @IsIn(['0', '1'], { message: 'RATE_LIMIT_PROBE_ROUTES must be 0 or 1 (1 mounts test-only routes)' })
  RATE_LIMIT_PROBE_ROUTES?: string;

  // --- idempotency ---
  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'IDEMPOTENCY_LEASE_MS must be an integer from 100 to 600000' })
  @Min(100, { message: 'IDEMPOTENCY_LEASE_MS must be an integer from 100 to 600000' })
  @Max(600000, { message: 'IDEMPOTENCY_LEASE_MS must be an integer from 100 to 600000' })
  IDEMPOTENCY_LEASE_MS?: number;

  @IsOptional()
  @IsIn(['0', '1'], { message: 'IDEMPOTENCY_TEST_HOOKS must be 0 or 1 (honoured only when NODE_ENV=test)' })
  IDEMPOTENCY_TEST_HOOKS?: string;

  // --- lock ---
  @IsOptional()
  @IsIn(['0', '1'], { message: 'TEST_DISABLE_LOCKS must be 0 or 1 (honoured only when NODE_ENV=test)' })
  TEST_DISABLE_LOCKS?: string;

  // --- cache (CacheModule) ---
  @IsOptional()
  @IsIn(['0', '1'], { message: 'CACHE_ENABLED must be 0 or 1' })
  CACHE_ENABLED?: string;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'CACHE_L1_MAX_ENTRIES must be an integer from 0 (L1 off) to 10000000' })
  @Min(0, { message: 'CACHE_L1_MAX_ENTRIES must be an integer from 0 (L1 off) to 10000000' })
  @Max(10_000_000, { message: 'CACHE_L1_MAX_ENTRIES must be an integer from 0 (L1 off) to 10000000' })
  CACHE_L1_MAX_ENTRIES?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'CACHE_L1_MAX_MB must be an integer from 1 to 65536' })
  @Min(1, { message: 'CACHE_L1_MAX_MB must be an integer from 1 to 65536' })
  @Max(65536, { message: 'CACHE_L1_MAX_MB must be an integer from 1 to 65536' })
  CACHE_L1_MAX_MB?: number;

  // --- queue ---
  @QueueInt('QUEUE_WORKERS', 0, 256)
  QUEUE_WORKERS?: number;

  @QueueInt('QUEUE_LOCK_DURATION_MS', 500, 600_000)
  QUEUE_LOCK_DURATION_MS?: number;

  @QueueInt('QUEUE_STALLED_INTERVAL_MS', 500, 600_000)
  QUEUE_STALLED_INTERVAL_MS?: number;

  @QueueInt('QUEUE_SHUTDOWN_GRACE_MS', 0, 8_000)
  QUEUE_SHUTDOWN_GRACE_MS?: number;

  @QueueInt('QUEUE_ENQUEUE_TIMEOUT_MS', 50, 10_000)
  QUEUE_ENQUEUE_TIMEOUT_MS?: number;

  @QueueInt('QUEUE_ATTEMPTS', 1, 50)
  QUEUE_ATTEMPTS?: number;

  @QueueInt('QUEUE_BACKOFF_DELAY_MS', 10, 3_600_000)
  QUEUE_BACKOFF_DELAY_MS?: number;

  @QueueInt('QUEUE_KEEP_COMPLETED', 0, 1_000_000)
  QUEUE_KEEP_COMPLETED?: number;

  @QueueInt('QUEUE_KEEP_FAILED', 0, 1_000_000)
  QUEUE_KEEP_FAILED?: number;

  @QueueInt('QUEUE_DEDUP_WINDOW_MS', 1_000, 86_400_000)
  QUEUE_DEDUP_WINDOW_MS?: number;

  @QueueInt('QUEUE_HEALTH_MAX_WAITING', 1, 100_000_000)
  QUEUE_HEALTH_MAX_WAITING?: number;

  @QueueInt('QUEUE_HEALTH_MAX_FAILED', 1, 100_000_000)
  QUEUE_HEALTH_MAX_FAILED?: number;

  @QueueInt('QUEUE_HEALTH_MAX_STALLED', 1, 1_000_000)
  QUEUE_HEALTH_MAX_STALLED?: number;

  @IsOptional()
  @IsIn(['0', '1'], { message: 'QUEUE_HEALTH_STRICT must be 0 or 1' })
  QUEUE_HEALTH_STRICT?: string;

  @IsOptional()
  @IsIn(['log', 'smtp'], { message: 'EMAIL_TRANSPORT must be log or smtp' })
  EMAIL_TRANSPORT?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/]+(:\d{1,5})?\/?$/, {
    message: 'SMTP_URL must look like smtp://user:password@host:587 (STARTTLS) or smtps://...:465',
  })
  SMTP_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^\s@<>"]+@[^\s@<>"]+$/, {
    message: 'EMAIL_FROM must be an e-mail address such as no-reply@example.com',
  })
  EMAIL_FROM?: string;

  @QueueInt('EMAIL_LOG_DELAY_MS', 0, 10_000)
  EMAIL_LOG_DELAY_MS?: number;

  @QueueInt('EMAIL_OUTBOX_RECONCILE_MS', 0, 3_600_000)
  EMAIL_OUTBOX_RECONCILE_MS?: number;

  @QueueInt('EMAIL_OUTBOX_GRACE_MS', 1_000, 3_600_000)
  EMAIL_OUTBOX_GRACE_MS?: number;

  @QueueInt('WEBHOOK_TIMEOUT_MS', 100, 60_000)
  WEBHOOK_TIMEOUT_MS?: number;

  @IsOptional()
  @IsIn(['0', '1'], { message: 'WEBHOOK_ALLOW_PRIVATE must be 0 or 1' })
  WEBHOOK_ALLOW_PRIVATE?: string;
  // --- data-structure features ---
  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'ANALYTICS_RETENTION_DAYS must be an integer from 1 to 3650' })
  @Min(1, { message: 'ANALYTICS_RETENTION_DAYS must be an integer from 1 to 3650' })
  @Max(3650, { message: 'ANALYTICS_RETENTION_DAYS must be an integer from 1 to 3650' })
  ANALYTICS_RETENTION_DAYS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'UPLOAD_SESSION_TTL_SECONDS must be an integer from 1 to 86400' })
  @Min(1, { message: 'UPLOAD_SESSION_TTL_SECONDS must be an integer from 1 to 86400' })
  @Max(86400, { message: 'UPLOAD_SESSION_TTL_SECONDS must be an integer from 1 to 86400' })
  UPLOAD_SESSION_TTL_SECONDS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'FLAGS_RESYNC_INTERVAL_MS must be an integer from 100 to 3600000' })
  @Min(100, { message: 'FLAGS_RESYNC_INTERVAL_MS must be an integer from 100 to 3600000' })
  @Max(3600000, { message: 'FLAGS_RESYNC_INTERVAL_MS must be an integer from 100 to 3600000' })
  FLAGS_RESYNC_INTERVAL_MS?: number;

  @Transform(toInt)
  @IsOptional()
  @IsInt({ message: 'EVENTS_HEARTBEAT_MS must be an integer from 100 to 300000' })
  @Min(100, { message: 'EVENTS_HEARTBEAT_MS must be an integer from 100 to 300000' })
  @Max(300000, { message: 'EVENTS_HEARTBEAT_MS must be an integer from 100 to 300000' })
  EVENTS_HEARTBEAT_MS?: number;
  // --- abuse limits ---
  @QueueInt('HTTP_HEADERS_TIMEOUT_MS', 100, 600_000)
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @QueueInt('HTTP_REQUEST_TIMEOUT_MS', 100, 3_600_000)
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @QueueInt('HTTP_KEEP_ALIVE_TIMEOUT_MS', 100, 600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @QueueInt('LEADERBOARD_MAX_MEMBERS', 1, 10_000_000)
  LEADERBOARD_MAX_MEMBERS?: number;

  @QueueInt('LEADERBOARD_MAX_BOARDS', 1, 1_000_000)
  LEADERBOARD_MAX_BOARDS?: number;

  @QueueInt('ANALYTICS_MAX_PATHS_PER_DAY', 1, 1_000_000)
  ANALYTICS_MAX_PATHS_PER_DAY?: number;

  @QueueInt('QUEUE_DEAD_LETTER_RETENTION_DAYS', 1, 3650)
  QUEUE_DEAD_LETTER_RETENTION_DAYS?: number;

  @QueueInt('EVENTS_MAX_STREAMS', 1, 1_000_000)
  EVENTS_MAX_STREAMS?: number;

  @QueueInt('EVENTS_MAX_STREAMS_PER_CLIENT', 1, 10_000)
  EVENTS_MAX_STREAMS_PER_CLIENT?: number;
}

/** A configuration error: one line naming the variable and the expected form. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

function firstMessage(error: ValidationError): string {
  const constraints = error.constraints ? Object.values(error.constraints) : [];
  return constraints[0] ?? `${error.property} is invalid`;
}

/**
 * Validates and coerces `process.env`. Unknown variables are ignored (the environment holds many);
 * known ones are checked and cross-checked.
 * @throws ConfigError with a single-line message naming the first bad variable.
 */
export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) throw new ConfigError(firstMessage(errors[0]!));
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
  }
  if (env.WEBHOOK_ALLOW_PRIVATE === '1' && env.NODE_ENV === 'production') {
    throw new ConfigError(
      'WEBHOOK_ALLOW_PRIVATE=1 is for tests and local development, not NODE_ENV=production',
    );
  }
  if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
    throw new ConfigError('AUTH_JWT_SECRET and AUTH_JWKS_URL are exclusive: set one of them');
  }
  // --- queue ---
  const transport = env.EMAIL_TRANSPORT ?? (env.NODE_ENV === 'production' ? 'smtp' : 'log');
  if (transport === 'smtp' && !env.SMTP_URL) {
    throw new ConfigError(
      'SMTP_URL is required with EMAIL_TRANSPORT=smtp (the default when NODE_ENV=production; EMAIL_TRANSPORT=log only logs)',
    );
  }
  return env;
}
