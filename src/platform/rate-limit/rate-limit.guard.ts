import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerGenerateKeyFunction,
  type ThrottlerGetTrackerFunction,
  type ThrottlerOptions,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { KeyBuilder } from '../redis/index.js';
import { requestPath } from '../http/adapter.js';
import { httpOf, ProblemException, serviceUnavailable } from '../http/index.js';
import { THROTTLER_METADATA } from '../compat/nestjs-throttler.compat.js';
import { RATE_LIMIT_USE, type RateLimitUse } from './rate-limit.decorator.js';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit.headers.js';
import { RATE_LIMIT_MODULE_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter, RateLimitUnavailableError } from './rate-limit.service.js';
import { clientIp, defaultTracker } from './rate-limit.tracker.js';
import type { PolicyCheck, RateLimitModuleOptions, RateLimitPolicy } from './rate-limit.types.js';

const {
  skip: SKIP,
  limit: LIMIT,
  ttl: TTL,
  blockDuration: BLOCK,
  tracker: TRACKER,
  keyGenerator: KEY_GENERATOR,
} = THROTTLER_METADATA;
const ALGORITHM_SUFFIX = { 'sliding-window': 's', 'fixed-window': 'f', 'token-bucket': 't' } as const;

/** One policy's metadata on a route, as `routeMeta` caches it. */
interface RouteMeta {
  throttler: ThrottlerOptions;
  policy: RateLimitPolicy;
  use: RateLimitUse | undefined;
  limit: unknown;
  ttl: unknown;
  block: unknown;
  tracker: ThrottlerGetTrackerFunction | undefined;
  keyGenerator: ThrottlerGenerateKeyFunction | undefined;
}

type Req = Record<string, unknown> & { path?: string; headers: Record<string, string | undefined> };

/**
 * @nestjs/throttler's guard with one change of mechanics: instead of one storage call per named throttler,
 * it resolves every policy that applies (skip metadata, `skipIf`, `ignoreUserAgents`, per-route
 * `@Throttle` limits, trackers and key generators, as the stock guard does) and decides them together
 * in one Redis call, all or nothing. Named policies other than global ones apply only where a route names
 * them. Sets `RateLimit-Policy`, `RateLimit` and `X-RateLimit-*`; refuses with 429 problem+json
 * `quota-exceeded` and `Retry-After`, or 503 when Redis is unavailable and a policy fails closed.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly policies: Map<string, RateLimitPolicy>;
  private readonly skipPaths: string[];
  private readonly customTracker: ThrottlerGetTrackerFunction | undefined;
  private readonly metaCache = new WeakMap<object, Map<object, RouteMeta[]>>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limiter: RateLimiter,
    private readonly keys: KeyBuilder,
    @Inject(RATE_LIMIT_MODULE_OPTIONS) settings: RateLimitModuleOptions,
  ) {
    super(options, storage, reflector);
    this.policies = new Map(settings.policies.map((p) => [p.name, p]));
    this.skipPaths = settings.skipPaths ?? ['/health', '/metrics'];
    this.customTracker = settings.getTracker;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    return this.decide(context);
  }

  /**
   * `canActivate` without the promise when none is needed: the module registers this as the global
   * guard, since throttler's base class types `canActivate` as async.
   */
  decide(context: ExecutionContext): boolean | Promise<boolean> {
    if (!httpOf(context)) return true;
    // Routes no policy applies to (the common case) are decided without a promise.
    if (this.routeMeta(context).length === 0 || this.skipsPath(context)) return true;
    return this.limit(context);
  }

  private async limit(context: ExecutionContext): Promise<boolean> {
    const checks = await this.plan(context);
    if (checks.length === 0) return true;
    const { res } = this.getRequestResponse(context);
    let decision;
    try {
      decision = await this.limiter.consume(checks);
    } catch (err) {
      if (err instanceof RateLimitUnavailableError) {
        throw serviceUnavailable(`rate limiting is unavailable for ${err.policies.join(', ')}`, 1, err);
      }
      throw err;
    }
    if (this.commonOptions.setHeaders !== false) {
      for (const [name, value] of Object.entries(rateLimitHeaders(checks, decision))) {
        this.setResponseHeader(res, name, value);
      }
    }
    if (!decision.allowed) {
      const refused = decision.results.filter((r) => !r.ok).map((r) => r.policy);
      const wait = retryAfterSeconds(decision);
      throw new ProblemException(429, 'quota-exceeded', 'Too Many Requests', {
        detail: `rate limit ${refused.map((p) => `"${p}"`).join(', ')} exceeded: retry in ${wait} s`,
        headers: { 'Retry-After': String(wait) },
        policies: refused,
        retryAfter: wait,
      });
    }
    return true;
  }

  /** `/health/*` and `/metrics` are never limited, whatever their controllers declare. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.skipsPath(context);
  }

  private skipsPath(context: ExecutionContext): boolean {
    const path = requestPath(httpOf<Req>(context)!.req).replace(/\/+$/, '');
    return this.skipPaths.some((p) => path === p || path.startsWith(p + '/'));
  }

  /**
   * The route's policy metadata (skips, `@Throttle` limits, `@RateLimit` uses, trackers, key
   * generators), read once per handler and controller: reflect-metadata lookups are not free, and a
   * request would otherwise pay several per named policy.
   */
  private routeMeta(context: ExecutionContext): RouteMeta[] {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byClass = this.metaCache.get(handler);
    if (!byClass) this.metaCache.set(handler, (byClass = new Map()));
    let meta = byClass.get(controller);
    if (meta) return meta;
    const targets = [handler, controller];
    const get = <T>(key: string) => this.reflector.getAllAndOverride<T>(key, targets);
    meta = [];
    for (const throttler of this.throttlers) {
      const name = throttler.name!;
      const policy = this.policies.get(name);
      if (!policy || get<boolean>(SKIP + name)) continue;
      const use = get<RateLimitUse | undefined>(RATE_LIMIT_USE + name);
      const limit = get<unknown>(LIMIT + name);
      const ttl = get<unknown>(TTL + name);
      if (!policy.global && use === undefined && limit === undefined && ttl === undefined) continue;
      meta.push({
        throttler,
        policy,
        use,
        limit,
        ttl,
        block: get<unknown>(BLOCK + name),
        tracker: get<ThrottlerGetTrackerFunction | undefined>(TRACKER + name),
        keyGenerator: get<ThrottlerGenerateKeyFunction | undefined>(KEY_GENERATOR + name),
      });
    }
    byClass.set(controller, meta);
    return meta;
  }

  /** The request and response of a route or of a resolver call (httpOf). */
  protected override getRequestResponse(context: ExecutionContext) {
    const { req, res } = httpOf<Req, Req>(context)!;
    return { req, res };
  }

  /** Principal, else client IP (see rate-limit.tracker.ts). */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return defaultTracker(req);
  }

  /** The configured or per-route tracker, else the default one, synchronously (no promise per request). */
  private trackerOf(
    req: Record<string, unknown>,
    context: ExecutionContext,
    custom: ThrottlerGetTrackerFunction | undefined,
  ): string | Promise<string> {
    return custom ? custom(req, context) : defaultTracker(req);
  }

  /** The per-route suffix: `Controller.handler`. */
  protected override generateKey(context: ExecutionContext, _tracker: string, _name: string): string {
    return `${context.getClass().name}.${context.getHandler().name}`;
  }

  /**
   * The policies that apply to the request of `context`, resolved into Redis keys: all of a request's keys
   * share one hash tag, its tracker, so one script handles them on Cluster.
   */
  async plan(context: ExecutionContext): Promise<PolicyCheck[]> {
    const { req } = this.getRequestResponse(context);
    const applied: {
      policy: RateLimitPolicy;
      use?: RateLimitUse;
      limit: number;
      ttl: number;
      block: number;
    }[] = [];
    let routeTracker: ThrottlerGetTrackerFunction | undefined;
    let keyGenerator = this.commonOptions.generateKey!;
    for (const m of this.routeMeta(context)) {
      const { throttler, policy, use, limit, ttl, block } = m;
      const name = policy.name;
      if ((throttler.skipIf ?? this.commonOptions.skipIf)?.(context)) continue;
      const agents = throttler.ignoreUserAgents ?? this.commonOptions.ignoreUserAgents;
      if (agents?.some((re) => re.test(String(req.headers?.['user-agent'] ?? '')))) continue;
      routeTracker ??= m.tracker;
      keyGenerator = m.keyGenerator ?? keyGenerator;
      // Awaited only when a function gave a promise: an await per number would cost a microtask each.
      const l = this.resolveNumber(context, limit ?? policy.limit, name, 'limit');
      const t = this.resolveNumber(context, ttl ?? policy.windowMs, name, 'ttl');
      const b = this.resolveNumber(context, block ?? policy.blockMs ?? 0, name, 'blockDuration');
      applied.push({
        policy,
        use,
        limit: typeof l === 'number' ? l : await l,
        ttl: typeof t === 'number' ? t : await t,
        block: typeof b === 'number' ? b : await b,
      });
    }
    if (applied.length === 0) return [];
    // One tracker per request (it is the hash tag); an `ip` policy makes it the IP for the whole route.
    const tracked = applied.some((a) => a.policy.tracker === 'ip')
      ? `ip:${clientIp(req)}`
      : this.trackerOf(req, context, routeTracker ?? this.customTracker);
    const tracker = typeof tracked === 'string' ? tracked : await tracked;
    return applied.map(({ policy, use, limit, ttl, block }) => {
      const route = keyGenerator(context, tracker, policy.name);
      const keyBy = use?.keyBy ?? policy.key;
      const rest: string[] = [policy.name, ALGORITHM_SUFFIX[policy.algorithm], route];
      if (keyBy) rest.push(`k:${keyBy(req) ?? ''}`);
      return {
        policy: policy.name,
        key: this.keys.tagged('rl', [tracker], ...rest),
        algorithm: policy.algorithm,
        limit,
        windowMs: ttl,
        cost: use?.cost ?? policy.cost,
        blockMs: block,
        failMode: policy.failMode,
        composite: keyBy !== undefined,
      };
    });
  }

  /** A policy number from its metadata: a number (synchronous, the usual case) or a function of the context. */
  private resolveNumber(
    context: ExecutionContext,
    value: unknown,
    policy: string,
    what: string,
  ): number | Promise<number> {
    if (typeof value === 'function') {
      return Promise.resolve(value(context)).then((v: unknown) => checkedNumber(v, policy, what));
    }
    return checkedNumber(value, policy, what);
  }
}

function checkedNumber(resolved: unknown, policy: string, what: string): number {
  const n = typeof resolved === 'string' && resolved.trim() !== '' ? Number(resolved) : resolved;
  const min = what === 'blockDuration' ? 0 : 1;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
    throw new Error(`invalid ${what} for rate-limit policy "${policy}": ${JSON.stringify(resolved)}`);
  }
  return Math.floor(n);
}
