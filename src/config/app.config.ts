import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { validateEnv, type EnvironmentVariables } from './env.schema.js';
import { embeddedSecret } from '../platform/auth/auth.secret.js';
import { policiesFromEnv } from '../platform/rate-limit/rate-limit.policies.js';
import { APP_RATE_LIMIT_POLICIES } from './rate-limit.policies.js';

/** Parses `host:port,host:port` (IPv6 hosts in brackets) into address objects. */
export function parseHostPortList(list: string): { host: string; port: number }[] {
  return list.split(',').map((item) => {
    const idx = item.lastIndexOf(':');
    const host = item.slice(0, idx).replace(/^\[|\]$/g, '');
    return { host, port: Number(item.slice(idx + 1)) };
  });
}

function env(): EnvironmentVariables {
  return validateEnv(process.env);
}

/** HTTP settings. */
export const httpConfig = registerAs('http', () => {
  const e = env();
  return {
    adapter: e.HTTP_ADAPTER,
    port: e.PORT,
    host: e.HOST,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    adminToken: e.ADMIN_TOKEN,
    bodyLimitKb: e.BODY_LIMIT_KB,
    benchRoutes: e.BENCH_ROUTES,
    dataDir: resolve(e.DATA_DIR),
  };
});

/** AuthModule options: the configured verifier, or the embedded default's secret outside production. */
export const authConfig = registerAs('auth', () => {
  const e = env();
  const dataDir = resolve(e.DATA_DIR);
  return {
    jwtSecret: e.AUTH_JWT_SECRET ?? (e.AUTH_JWKS_URL ? undefined : embeddedSecret(dataDir)),
    jwksUrl: e.AUTH_JWKS_URL,
    issuer: e.AUTH_ISSUER,
    audience: e.AUTH_AUDIENCE,
    clockSkewS: e.AUTH_CLOCK_SKEW_S,
    jwksCooldownMs: e.AUTH_JWKS_COOLDOWN_MS,
    adminToken: e.ADMIN_TOKEN,
  };
});

/** RedisModule options from an environment (exported for tests that build a client without the app). */
export function redisOptionsFromEnv(raw: Record<string, string | undefined>) {
  const e = validateEnv(raw);
  const mode = e.REDIS_CLUSTER_NODES
    ? ('cluster' as const)
    : e.REDIS_SENTINELS
      ? ('sentinel' as const)
      : e.REDIS_URL
        ? ('standalone' as const)
        : ('embedded' as const);
  return {
    mode,
    url: e.REDIS_URL,
    sentinels: e.REDIS_SENTINELS ? parseHostPortList(e.REDIS_SENTINELS) : undefined,
    sentinelName: e.REDIS_SENTINEL_NAME,
    clusterNodes: e.REDIS_CLUSTER_NODES ? parseHostPortList(e.REDIS_CLUSTER_NODES) : undefined,
    tlsCaFile: e.REDIS_TLS_CA,
    keyPrefix: e.REDIS_KEY_PREFIX,
    commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    embeddedDir: resolve(e.DATA_DIR, 'redis'),
  };
}

/** Redis connection settings; `mode` says which topology (or the embedded server) to use. */
export const redisConfig = registerAs('redis', () => redisOptionsFromEnv(process.env));

/** Database settings: PostgreSQL when `url` is set, else embedded PGlite under `pgliteDir`. */
export const databaseConfig = registerAs('database', () => {
  const e = env();
  return { url: e.DATABASE_URL, pgliteDir: resolve(e.DATA_DIR, 'db') };
});

/** Rate-limit policies (`RATE_LIMIT_DEFAULT`, `RATE_LIMIT_<NAME>`) and the Redis time budget. */
export const rateLimitConfig = registerAs('rateLimit', () => {
  const e = env();
  // Bench mode has no global limit: each bench route is guarded only by its own decorator.
  const bench = e.BENCH_ROUTES;
  return {
    policies: policiesFromEnv(process.env, APP_RATE_LIMIT_POLICIES).map((p) =>
      p.name === 'default' && bench ? { ...p, global: false } : p,
    ),
    redisBudgetMs: e.RATE_LIMIT_REDIS_BUDGET_MS,
  };
});

/** IdempotencyModule settings: the in-progress lease and the crash-test hooks (only when NODE_ENV=test). */
export const idempotencyConfig = registerAs('idempotency', () => {
  const e = env();
  return {
    leaseMs: e.IDEMPOTENCY_LEASE_MS,
    testHooks: e.IDEMPOTENCY_TEST_HOOKS && e.NODE_ENV === 'test',
  };
});

/** LockModule settings: the test-only switch that turns `@WithLock` off (honoured only when NODE_ENV=test). */
export const lockConfig = registerAs('lock', () => {
  const e = env();
  return { disabledForTests: e.TEST_DISABLE_LOCKS, nodeEnv: e.NODE_ENV };
});

// --- cache (CacheModule) ---
/** Cache settings: CACHE_ENABLED=0 turns caching off (every answer BYPASS), CACHE_L1_MAX_ENTRIES=0 turns L1 off. */
export const cacheConfig = registerAs('cache', () => {
  const e = env();
  const maxEntries = e.CACHE_L1_MAX_ENTRIES;
  return {
    enabled: e.CACHE_ENABLED,
    l1: maxEntries === 0 ? (false as const) : { maxEntries, maxBytes: e.CACHE_L1_MAX_MB * 1024 * 1024 },
  };
});
/** QueueModule settings (QueueModuleOptions): workers, locks, retries, retention, shutdown, health thresholds. */
export const queueConfig = registerAs('queue', () => {
  const e = env();
  return {
    workers: e.QUEUE_WORKERS,
    lockDurationMs: e.QUEUE_LOCK_DURATION_MS,
    stalledIntervalMs: e.QUEUE_STALLED_INTERVAL_MS,
    shutdownGraceMs: e.QUEUE_SHUTDOWN_GRACE_MS,
    enqueueTimeoutMs: e.QUEUE_ENQUEUE_TIMEOUT_MS,
    attempts: e.QUEUE_ATTEMPTS,
    backoffDelayMs: e.QUEUE_BACKOFF_DELAY_MS,
    keepCompleted: e.QUEUE_KEEP_COMPLETED,
    keepFailed: e.QUEUE_KEEP_FAILED,
    dedupWindowMs: e.QUEUE_DEDUP_WINDOW_MS,
    deadLetterRetentionDays: e.QUEUE_DEAD_LETTER_RETENTION_DAYS,
    health: {
      maxWaiting: e.QUEUE_HEALTH_MAX_WAITING,
      maxFailed: e.QUEUE_HEALTH_MAX_FAILED,
      maxStalled: e.QUEUE_HEALTH_MAX_STALLED,
      strict: e.QUEUE_HEALTH_STRICT,
    },
  };
});

/** Settings of the queue-backed features: e-mail transport, webhook delivery, export files. */
export const jobsConfig = registerAs('jobs', () => {
  const e = env();
  return {
    emailTransport: e.EMAIL_TRANSPORT,
    smtpUrl: e.SMTP_URL,
    emailFrom: e.EMAIL_FROM,
    emailLogDelayMs: e.EMAIL_LOG_DELAY_MS,
    emailOutbox: {
      reconcileMs: e.EMAIL_OUTBOX_RECONCILE_MS,
      graceMs: e.EMAIL_OUTBOX_GRACE_MS,
      batch: 200,
      // The queue's deduplication window: the outbox keeps the ids.
      dedupWindowMs: e.QUEUE_DEDUP_WINDOW_MS,
    },
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    exportsDir: resolve(e.DATA_DIR, 'exports'),
  };
});
/** Analytics retention, upload session TTL, flag resync period, SSE heartbeat. */
export const datastructsConfig = registerAs('datastructs', () => {
  const e = env();
  return {
    analyticsRetentionDays: e.ANALYTICS_RETENTION_DAYS,
    // a bounded set of paths per day, the rest counted under one overflow key
    analyticsMaxPathsPerDay: e.ANALYTICS_MAX_PATHS_PER_DAY,
    uploadSessionTtlSeconds: e.UPLOAD_SESSION_TTL_SECONDS,
    flagsResyncIntervalMs: e.FLAGS_RESYNC_INTERVAL_MS,
    eventsHeartbeatMs: e.EVENTS_HEARTBEAT_MS,
    // caps on open event streams
    eventsMaxStreams: e.EVENTS_MAX_STREAMS,
    eventsMaxStreamsPerClient: e.EVENTS_MAX_STREAMS_PER_CLIENT,
  };
});
// --- abuse limits ---
/** Node server timeouts against slow clients (slowloris) and idle keep-alive sockets. */
export const serverLimitsConfig = registerAs('serverLimits', () => {
  const e = env();
  return {
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
});

/** Bounds of leaderboards: members per board (the lowest trimmed) and boards. */
export const leaderboardLimitsConfig = registerAs('leaderboardLimits', () => {
  const e = env();
  return { maxMembers: e.LEADERBOARD_MAX_MEMBERS, maxBoards: e.LEADERBOARD_MAX_BOARDS };
});

/** GraphQL: the operation result cache (GRAPHQL_RESULT_CACHE=0 turns it off), operation limits, persisted queries. */
export const graphqlConfig = registerAs('graphql', () => {
  const e = env();
  return {
    production: e.NODE_ENV === 'production',
    resultCache: e.GRAPHQL_RESULT_CACHE,
    maxDepth: e.GRAPHQL_MAX_DEPTH,
    maxAliases: e.GRAPHQL_MAX_ALIASES,
    maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
    maxTokens: e.GRAPHQL_MAX_TOKENS,
    apqTtlSeconds: e.GRAPHQL_APQ_TTL_S,
    apqMaxDocumentLength: e.GRAPHQL_APQ_MAX_KB * 1024,
  };
});
