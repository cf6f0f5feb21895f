import { HTTP_ADAPTERS } from '../platform/http/adapter.js';
import { POLICY_SETTING, policyVariable } from '../platform/rate-limit/rate-limit.policies.js';
import type { RateLimitPolicy } from '../platform/rate-limit/rate-limit.types.js';
import { APP_RATE_LIMIT_POLICIES } from './rate-limit.policies.js';

/**
 * Every environment variable the app reads, declared once: how it is parsed and bounded (and so its
 * validation message), its default, and the line of the README's settings table. `validateEnv` checks an
 * environment against it, `src/config/app.config.ts` reads the parsed values with their defaults applied,
 * and `npm run docs:settings` writes the README table from it (`settings.docs.spec.ts` fails when the
 * README differs). A new setting is one entry below; app.config.ts then reads it as `env().NAME`.
 */

/** The values already read when a computed default is evaluated (explicit values and static defaults). */
export type SettingValues = Readonly<Record<string, unknown>>;

/** Marks a value as invalid in {@link Setting.parse}. */
export const INVALID = Symbol('invalid');

/** One environment variable. */
export interface Setting<T> {
  /** The value of a present variable; `undefined` when it counts as unset, `INVALID` when it is bad. */
  parse(raw: unknown): T | undefined | typeof INVALID;
  /** What the value must be, after `<NAME> must `: the one-line validation message. */
  expect: string;
  /** The README's "meaning" cell. */
  doc: string;
  /** The value when unset: a constant, or computed from the other values. */
  default?: T | ((values: SettingValues) => T);
  /** The README's "default" cell, when the default is computed or not a plain value. */
  defaultDoc?: string;
  /**
   * `test`: a switch for tests only; `dev`: for tests and local development. Either is refused at boot
   * when NODE_ENV=production and the value differs from its default.
   */
  only?: 'test' | 'dev';
}

interface Options<T> {
  doc: string;
  default?: T | ((values: SettingValues) => T);
  defaultDoc?: string;
  /** Overrides the generated message (after `<NAME> must `). */
  expect?: string;
  only?: 'test' | 'dev';
}

/** An integer from `min` to `max`; an empty value is unset. */
export function int<const O extends Options<number>>(min: number, max: number, o: O): Setting<number> & O {
  return {
    expect: `be an integer from ${min} to ${max}`,
    ...o,
    parse: (raw) => {
      if (raw === undefined || raw === null || raw === '') return undefined;
      const n = Number(raw);
      return Number.isInteger(n) && n >= min && n <= max ? n : INVALID;
    },
  };
}

/** A string matching `pattern` (any string without one) of at least `minLength`; an empty value is unset. */
export function text<const O extends Options<string> & { expect: string }>(
  pattern: RegExp | undefined,
  o: O,
  minLength = 0,
): Setting<string> & O {
  return {
    ...o,
    parse: (raw) => {
      if (raw === undefined || raw === null || raw === '') return undefined;
      if (typeof raw !== 'string' || raw.length < minLength) return INVALID;
      return pattern && !pattern.test(raw) ? INVALID : raw;
    },
  };
}

/** One of `values` (an empty value is invalid, not unset). */
export function oneOf<const V extends string, const O extends Options<V>>(
  values: readonly V[],
  o: O,
): Setting<V> & O {
  const list = `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  return {
    expect: `be ${list}`,
    ...o,
    parse: (raw) => {
      if (raw === undefined || raw === null) return undefined;
      return values.includes(raw as V) ? (raw as V) : INVALID;
    },
  };
}

/** `0` or `1`, read as a boolean (an empty value is invalid, not unset). */
export function flag<const O extends Options<boolean>>(o: O): Setting<boolean> & O {
  return {
    expect: 'be 0 or 1',
    ...o,
    parse: (raw) => {
      if (raw === undefined || raw === null) return undefined;
      return raw === '1' ? true : raw === '0' ? false : INVALID;
    },
  };
}

const HOST_PORT_LIST =
  /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}(,(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5})*$/;
const RATE = /^\d+\/\d+(ms|s|m|h)$/;
/** A policy's limit and window as its setting writes them: `20/60s`. */
const declared = (p: RateLimitPolicy) => `${p.limit}/${p.windowMs / 1000}s`;
const POLICY_OPTIONS =
  'optionally followed by ,sliding-window|fixed-window|token-bucket and ,fail-open|fail-closed';

/** The settings, in the README's order. */
export const SETTINGS = {
  // --- HTTP ---
  PORT: int(0, 65535, { default: 3000, doc: 'HTTP port' }),
  HTTP_ADAPTER: oneOf(HTTP_ADAPTERS, {
    expect: 'be express or fastify',
    default: 'express',
    doc: '`express` or `fastify` (Fastify 5): the same routes, decorators, errors, OpenAPI docs and queue dashboard',
  }),
  HOST: text(/^[0-9a-fA-F:.]+$|^localhost$/, {
    expect: 'be an IP address to listen on, such as 0.0.0.0 or 127.0.0.1',
    // Bench mode serves loopback only (a benchmark is not a service); otherwise all interfaces.
    default: (v: SettingValues) => (v.BENCH_ROUTES === true ? '127.0.0.1' : '0.0.0.0'),
    defaultDoc: '`0.0.0.0` (`127.0.0.1` with `BENCH_ROUTES=1`)',
    doc: 'address to listen on',
  }),
  NODE_ENV: oneOf(['development', 'production', 'test'], {
    default: 'development',
    doc: '`production` requires a Redis variable, `DATABASE_URL` and an `AUTH_*` verifier, and refuses the test-only switches',
  }),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    expect: 'be one of fatal, error, warn, info, debug, trace, silent',
    default: (v: SettingValues) => (v.NODE_ENV === 'test' ? 'warn' : 'info'),
    defaultDoc: '`info` (`warn` with `NODE_ENV=test`)',
    doc: 'pino level (`fatal` ... `trace`, `silent`)',
  }),
  // --- Redis ---
  REDIS_URL: text(/^rediss?:\/\/[^\s]+$/, {
    expect: 'look like redis://[user:password@]host:port[/db] or rediss://...',
    defaultDoc: 'embedded server',
    doc: '`redis://[user:password@]host:port[/db]` or `rediss://...` (TLS); with Sentinel or Cluster it only supplies credentials and TLS',
  }),
  REDIS_SENTINELS: text(HOST_PORT_LIST, {
    expect: 'be a comma-separated list of host:port',
    doc: '`host:port,...` of the sentinels (with `REDIS_SENTINEL_NAME`)',
  }),
  REDIS_SENTINEL_NAME: text(/^[A-Za-z0-9._-]{1,64}$/, {
    expect: 'be a master name such as mymaster',
    doc: "the Sentinel master's name, required with `REDIS_SENTINELS`",
  }),
  REDIS_CLUSTER_NODES: text(HOST_PORT_LIST, {
    expect: 'be a comma-separated list of host:port',
    doc: '`host:port,...` of some cluster nodes',
  }),
  REDIS_TLS_CA: text(undefined, {
    expect: 'be a path to a PEM file',
    doc: "PEM file of the CA that signed the Redis server's certificate",
  }),
  REDIS_KEY_PREFIX: text(/^[A-Za-z0-9_-]{1,32}$/, {
    expect: 'be 1 to 32 characters of [A-Za-z0-9_-]',
    default: 'app',
    doc: 'first segment of every key',
  }),
  REDIS_COMMAND_TIMEOUT_MS: int(50, 60000, { default: 500, doc: 'request-path command timeout' }),
  // --- data ---
  DATABASE_URL: text(/^postgres(ql)?:\/\/[^\s]+$/, {
    expect: 'look like postgres://user:password@host:port/db',
    defaultDoc: 'embedded PGlite in `.data/db`',
    doc: '`postgres://user:password@host:port/db`',
  }),
  DATA_DIR: text(undefined, {
    expect: 'be a directory path',
    default: '.data',
    doc: 'where the embedded Redis and PGlite keep their data',
  }),
  // --- identity ---
  AUTH_JWT_SECRET: text(
    undefined,
    {
      expect: 'be at least 32 bytes (an HS256 shared secret)',
      defaultDoc: 'embedded: `.data/auth/jwt-secret`',
      doc: 'HS256 shared secret (at least 32 bytes) that verifies bearer JWTs (Supabase-style); exclusive with `AUTH_JWKS_URL`',
    },
    32,
  ),
  AUTH_JWKS_URL: text(/^https?:\/\/[^\s]+$/, {
    expect: 'be an http(s):// URL of a JWKS document',
    doc: 'JWKS endpoint of the identity provider (Auth0, Cognito, Keycloak ...): RS256, ES256, EdDSA keys, cached, refetched on a new `kid`',
  }),
  AUTH_ISSUER: text(undefined, {
    expect: 'be the expected iss claim',
    defaultDoc: 'unchecked',
    doc: 'required `iss` of tokens',
  }),
  AUTH_AUDIENCE: text(undefined, {
    expect: 'be the expected aud claim',
    defaultDoc: 'unchecked',
    doc: 'required `aud` of tokens',
  }),
  AUTH_CLOCK_SKEW_S: int(0, 300, { default: 30, doc: 'tolerance for `exp`, `nbf` and `iat`' }),
  AUTH_JWKS_COOLDOWN_MS: int(0, 3600000, {
    default: 30_000,
    doc: 'least time between two JWKS fetches caused by an unknown `kid`',
  }),
  ADMIN_TOKEN: text(
    undefined,
    {
      expect: 'be at least 16 characters',
      defaultDoc: 'unset',
      doc: 'operator credential equal to the `admin` role (`/admin/**`, catalogue, flag, leaderboard and webhook writes), 16+ characters',
    },
    16,
  ),
  WEBHOOK_ALLOW_PRIVATE: flag({
    default: false,
    only: 'dev',
    doc: '`1` lets webhooks target loopback and private addresses',
  }),
  // --- HTTP limits ---
  TRUST_PROXY: int(0, 10, {
    expect: 'be the number of proxy hops, 0 to 10',
    default: 0,
    doc: 'number of reverse-proxy hops whose `X-Forwarded-For` is trusted',
  }),
  RATE_LIMIT_DEFAULT: text(RATE, {
    expect: 'look like 100/60s (limit/window with ms, s, m or h)',
    defaultDoc: `\`${declared(APP_RATE_LIMIT_POLICIES.find((p) => p.name === 'default')!)}\``,
    doc: 'the global `default` rate-limit policy',
  }),
  // RATE_LIMIT_<NAME> of each named policy of ./rate-limit.policies.ts comes here (see ALL_SETTINGS).
  RATE_LIMIT_REDIS_BUDGET_MS: int(5, 5000, {
    default: 200,
    doc: "time budget of the rate limiter's one Redis call; past it the policy falls back (or fails closed)",
  }),
  RATE_LIMIT_PROBE_ROUTES: flag({
    expect: 'be 0 or 1 (1 mounts test-only routes)',
    default: false,
    only: 'test',
    doc: '`1` with `NODE_ENV=test` mounts the `/rate-limit/probe/*` routes that use the named policies',
  }),
  BODY_LIMIT_KB: int(1, 10240, { default: 100, doc: 'largest accepted request body' }),
  GRAPHQL_RESULT_CACHE: flag({
    default: true,
    doc: '`0` switches the GraphQL operation result cache off (every query `X-Cache: BYPASS`)',
  }),
  GRAPHQL_MAX_DEPTH: int(1, 100, {
    default: 8,
    doc: 'deepest field nesting of a GraphQL operation (fragments followed); deeper: 400',
  }),
  GRAPHQL_MAX_ALIASES: int(0, 1000, {
    default: 20,
    doc: 'aliased fields a GraphQL document may hold; more: 400',
  }),
  GRAPHQL_MAX_COMPLEXITY: int(1, 1_000_000, {
    default: 2000,
    doc: 'cost of an operation (1 a field, list fields times their `limit`); more: 400',
  }),
  GRAPHQL_MAX_TOKENS: int(100, 1_000_000, {
    default: 5000,
    doc: 'lexical tokens of a GraphQL document; more: 400 before it is parsed further',
  }),
  GRAPHQL_APQ_TTL_S: int(1, 604_800, {
    default: 3600,
    doc: "lifetime of a persisted query's document in Redis",
  }),
  GRAPHQL_APQ_MAX_KB: int(1, 1024, {
    default: 16,
    doc: 'longest document kept as a persisted query (longer ones run but are not stored)',
  }),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000, {
    default: 10_000,
    doc: 'time a client has to send its request headers; a slower one gets 408 problem+json and is cut off',
  }),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 3_600_000, {
    default: 30_000,
    doc: 'time a client has to send its whole request, body included (responses and SSE streams are not bound)',
  }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000, {
    default: 5_000,
    doc: "how long an idle keep-alive connection stays open (keep it above the load balancer's idle timeout)",
  }),
  BENCH_ROUTES: flag({ default: false, doc: '`1` mounts the `/bench/*` routes used by `npm run bench`' }),
  // --- idempotency and locks ---
  IDEMPOTENCY_LEASE_MS: int(100, 600000, {
    default: 30_000,
    doc: 'lease of an in-progress idempotent request, renewed while it runs: how soon a crashed process frees its keys',
  }),
  IDEMPOTENCY_TEST_HOOKS: flag({
    expect: 'be 0 or 1 (honoured only when NODE_ENV=test)',
    default: false,
    only: 'test',
    doc: '`1` with `NODE_ENV=test` honours the `X-Test-Hook` crash-test holds of `@Idempotent` routes',
  }),
  TEST_DISABLE_LOCKS: flag({
    expect: 'be 0 or 1 (honoured only when NODE_ENV=test)',
    default: false,
    only: 'test',
    doc: '`1` with `NODE_ENV=test` makes `@WithLock` run unlocked (proves the lock tests can fail)',
  }),
  // --- cache ---
  CACHE_ENABLED: flag({
    default: true,
    doc: '`0` switches caching off: cached routes answer from the source with `X-Cache: BYPASS`',
  }),
  CACHE_L1_MAX_ENTRIES: int(0, 10_000_000, {
    expect: 'be an integer from 0 (L1 off) to 10000000',
    default: 10_000,
    doc: 'entries of the in-process cache tier; `0` turns L1 off (every hit is a Redis GET)',
  }),
  CACHE_L1_MAX_MB: int(1, 65536, { default: 64, doc: 'bytes of the in-process cache tier, in MB' }),
  // --- queue ---
  QUEUE_WORKERS: int(0, 256, {
    default: 5,
    doc: "jobs each queue's worker runs at once in this instance; `0`: this instance only enqueues",
  }),
  QUEUE_LOCK_DURATION_MS: int(500, 600_000, {
    default: 30_000,
    doc: "a job's lock; a killed worker's jobs run again elsewhere after about this + the stalled interval",
  }),
  QUEUE_STALLED_INTERVAL_MS: int(500, 600_000, {
    default: 30_000,
    doc: "how often workers look for jobs whose lock expired (a dead worker's)",
  }),
  QUEUE_SHUTDOWN_GRACE_MS: int(0, 8_000, {
    default: 5_000,
    doc: 'on SIGTERM, time running jobs get to finish before they are cancelled',
  }),
  QUEUE_ATTEMPTS: int(1, 50, {
    default: 5,
    doc: 'attempts per job; after the last one the job is copied to the `dead-letter` queue with its reason',
  }),
  QUEUE_BACKOFF_DELAY_MS: int(10, 3_600_000, {
    default: 1_000,
    doc: 'first retry delay; each retry doubles it, with 50 % jitter',
  }),
  QUEUE_KEEP_COMPLETED: int(0, 1_000_000, {
    default: 1_000,
    doc: 'completed jobs kept per queue (and at most 24 h)',
  }),
  QUEUE_KEEP_FAILED: int(0, 1_000_000, {
    default: 5_000,
    doc: 'failed jobs kept per queue (and at most 7 days)',
  }),
  QUEUE_ENQUEUE_TIMEOUT_MS: int(50, 10_000, {
    default: 1_000,
    doc: 'an enqueue Redis has not acknowledged by then answers 503 `queue-unavailable`',
  }),
  QUEUE_DEDUP_WINDOW_MS: int(1_000, 86_400_000, {
    default: 600_000,
    doc: "how long a client's `deduplicationId` keeps answering the same job",
  }),
  QUEUE_HEALTH_MAX_WAITING: int(1, 100_000_000, {
    default: 10_000,
    doc: '`queues` readiness threshold of waiting jobs per queue; a breach is `degraded` (still 200)',
  }),
  QUEUE_HEALTH_MAX_FAILED: int(1, 100_000_000, {
    default: 1_000,
    doc: '`queues` readiness threshold of failed jobs per queue; a breach is `degraded` (still 200)',
  }),
  QUEUE_HEALTH_MAX_STALLED: int(1, 1_000_000, {
    default: 10,
    doc: 'stalled jobs in 5 minutes before `degraded`',
  }),
  QUEUE_HEALTH_STRICT: flag({ default: false, doc: '`1` makes readiness breaches of the queues 503' }),
  QUEUE_DEAD_LETTER_RETENTION_DAYS: int(1, 3650, {
    default: 30,
    doc: 'days a dead-letter entry is kept (swept when new ones arrive)',
  }),
  // --- e-mail and webhooks ---
  EMAIL_TRANSPORT: oneOf(['log', 'smtp'], {
    default: (v: SettingValues) => (v.NODE_ENV === 'production' ? 'smtp' : 'log'),
    defaultDoc: '`log` (`smtp` in production)',
    doc: '`log` records in `email_outbox` and logs, nothing leaves; `smtp` sends through `SMTP_URL`',
  }),
  SMTP_URL: text(/^smtps?:\/\/[^\s/]+(:\d{1,5})?\/?$/, {
    expect: 'look like smtp://user:password@host:587 (STARTTLS) or smtps://...:465',
    doc: '`smtp://user:password@host:587` (STARTTLS, required for AUTH) or `smtps://...:465`',
  }),
  EMAIL_FROM: text(/^[^\s@<>"]+@[^\s@<>"]+$/, {
    expect: 'be an e-mail address such as no-reply@example.com',
    default: 'no-reply@localhost',
    doc: 'sender address of the e-mails',
  }),
  EMAIL_LOG_DELAY_MS: int(0, 10_000, {
    default: 0,
    doc: 'simulated send time of the `log` transport (tests, benchmarks)',
  }),
  EMAIL_OUTBOX_RECONCILE_MS: int(0, 3_600_000, {
    default: 2_000,
    doc: 'how often each instance re-adds the jobs of unsent e-mails that Redis lost (jittered ±50 %); `0` switches it off',
  }),
  EMAIL_OUTBOX_GRACE_MS: int(1_000, 3_600_000, {
    default: 5_000,
    doc: 'an unsent e-mail is first checked this long after it was accepted, then again every this long',
  }),
  WEBHOOK_TIMEOUT_MS: int(100, 60_000, {
    default: 10_000,
    doc: 'time a webhook receiver has to answer 2xx before the attempt fails',
  }),
  // --- data-structure features ---
  ANALYTICS_RETENTION_DAYS: int(1, 3650, {
    default: 90,
    doc: "days a page's per-day view counter and unique-visitor HyperLogLog are kept after the day ends",
  }),
  ANALYTICS_MAX_PATHS_PER_DAY: int(1, 1_000_000, {
    default: 1_000,
    doc: "paths counted per UTC day; views of further paths are counted under the day's overflow key",
  }),
  UPLOAD_SESSION_TTL_SECONDS: int(1, 86400, {
    default: 900,
    doc: 'lifetime of an upload session (`POST /uploads/sessions`), expired by Redis',
  }),
  FLAGS_RESYNC_INTERVAL_MS: int(100, 3600000, {
    default: 30_000,
    doc: "how often each instance checks the flags' version in Redis: the bound on staleness after a lost pub/sub message",
  }),
  LEADERBOARD_MAX_MEMBERS: int(1, 10_000_000, {
    default: 10_000,
    doc: 'members a board keeps; past it the lowest scores are trimmed in the same Lua call as the write',
  }),
  LEADERBOARD_MAX_BOARDS: int(1, 1_000_000, {
    default: 1_000,
    doc: 'boards that may exist; a write that would create another answers 409 `too-many-boards`',
  }),
  EVENTS_HEARTBEAT_MS: int(100, 300000, {
    default: 15_000,
    doc: 'interval of the `: heartbeat` comment on `GET /events` streams',
  }),
  EVENTS_MAX_STREAMS: int(1, 1_000_000, {
    default: 1_000,
    doc: 'open `GET /events` streams per instance; past it 429 `too-many-streams`',
  }),
  EVENTS_MAX_STREAMS_PER_CLIENT: int(1, 10_000, {
    default: 5,
    doc: 'open `GET /events` streams per client (principal, else IP); past it 429 `too-many-streams`',
  }),
};

/** `RATE_LIMIT_<NAME>` of a named policy; its default is the policy as declared. */
function policySetting(p: RateLimitPolicy): Setting<string> {
  return text(POLICY_SETTING, {
    expect: `look like ${declared(p)} (limit/window with ms, s, m or h), ${POLICY_OPTIONS}`,
    defaultDoc: `\`${declared(p)}\``,
    doc: `the \`${p.name}\` policy: \`limit/window\`, optionally \`,token-bucket\`, \`,fail-closed\`, ...`,
  });
}

/** Every setting with its name, in order: the table above with the named policies' variables in place. */
export const ALL_SETTINGS: readonly (readonly [string, Setting<unknown>])[] = Object.entries(
  SETTINGS as Record<string, Setting<unknown>>,
).flatMap(([name, setting]) => [
  [name, setting] as const,
  ...(name === 'RATE_LIMIT_DEFAULT'
    ? APP_RATE_LIMIT_POLICIES.filter((p) => p.name !== 'default').map(
        (p) => [policyVariable(p.name), policySetting(p) as Setting<unknown>] as const,
      )
    : []),
]);

type Table = typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The parsed environment: a setting with a default always has a value. */
export type Settings = {
  readonly [K in keyof Table]: Table[K] extends { default: unknown }
    ? ValueOf<Table[K]>
    : ValueOf<Table[K]> | undefined;
};
