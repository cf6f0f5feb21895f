import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerGetTrackerFunction,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { KeyBuilder } from '../redis/index.js';
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
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!httpOf(context) || (await this.shouldSkip(context))) return true;
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
    const path = (httpOf<Req>(context)!.req.path ?? '').replace(/\/+$/, '');
    return this.skipPaths.some((p) => path === p || path.startsWith(p + '/'));
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

  /** The per-route suffix: `Controller.handler`. */
  protected override generateKey(context: ExecutionContext, _tracker: string, _name: string): string {
    return `${context.getClass().name}.${context.getHandler().name}`;
  }

  /**
   * The policies that apply to the request of `context`, resolved into Redis keys: all of a request's keys
   * share one hash tag, its tracker, so one script handles them on Cluster.
   */
  async plan(context: ExecutionContext): Promise<PolicyCheck[]> {
    const targets = [context.getHandler(), context.getClass()];
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
    for (const throttler of this.throttlers) {
      const name = throttler.name!;
      const policy = this.policies.get(name);
      if (!policy) continue;
      if (this.reflector.getAllAndOverride<boolean>(SKIP + name, targets)) continue;
      if ((throttler.skipIf ?? this.commonOptions.skipIf)?.(context)) continue;
      const use = this.reflector.getAllAndOverride<RateLimitUse | undefined>(RATE_LIMIT_USE + name, targets);
      const limit = this.reflector.getAllAndOverride<unknown>(LIMIT + name, targets);
      const ttl = this.reflector.getAllAndOverride<unknown>(TTL + name, targets);
      if (!policy.global && use === undefined && limit === undefined && ttl === undefined) continue;
      const agents = throttler.ignoreUserAgents ?? this.commonOptions.ignoreUserAgents;
      if (agents?.some((re) => re.test(String(req.headers?.['user-agent'] ?? '')))) continue;
      const block = this.reflector.getAllAndOverride<unknown>(BLOCK + name, targets);
      routeTracker ??= this.reflector.getAllAndOverride(TRACKER + name, targets);
      keyGenerator = this.reflector.getAllAndOverride(KEY_GENERATOR + name, targets) ?? keyGenerator;
      applied.push({
        policy,
        use,
        limit: await this.resolveNumber(context, limit ?? policy.limit, name, 'limit'),
        ttl: await this.resolveNumber(context, ttl ?? policy.windowMs, name, 'ttl'),
        block: await this.resolveNumber(context, block ?? policy.blockMs ?? 0, name, 'blockDuration'),
      });
    }
    if (applied.length === 0) return [];
    // One tracker per request (it is the hash tag); an `ip` policy makes it the IP for the whole route.
    const tracker = applied.some((a) => a.policy.tracker === 'ip')
      ? `ip:${clientIp(req)}`
      : await (routeTracker ?? this.commonOptions.getTracker!)(req, context);
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

  private async resolveNumber(context: ExecutionContext, value: unknown, policy: string, what: string) {
    const resolved: unknown = typeof value === 'function' ? await value(context) : value;
    const n = typeof resolved === 'string' && resolved.trim() !== '' ? Number(resolved) : resolved;
    const min = what === 'blockDuration' ? 0 : 1;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
      throw new Error(`invalid ${what} for rate-limit policy "${policy}": ${JSON.stringify(resolved)}`);
    }
    return Math.floor(n);
  }
}
