import { Logger } from '@nestjs/common';
import { BlockList } from './rate-limit.block-list.js';
import { LocalLimiter, type CheckOutcome } from './rate-limit.local-limiter.js';
import type { RateLimitStore } from './rate-limit.store.js';
import type { PolicyCheck, RateLimitDecision } from './rate-limit.types.js';

/** Redis could not answer and a policy of the request fails closed. */
export class RateLimitUnavailableError extends Error {
  readonly code = 'RATE_LIMIT_UNAVAILABLE';

  constructor(
    readonly policies: string[],
    options?: { cause?: unknown },
  ) {
    super(`rate limit store unavailable for fail-closed policies ${policies.join(', ')}`, options);
  }
}

/** Observes decisions (RateLimitMetrics hooks in here). */
export interface RateLimitObserver {
  /** Once per policy of an allowed request, and once per refusing policy of a refused one. */
  decided(policy: string, outcome: 'allowed' | 'limited', source: RateLimitDecision['source']): void;
  /** Redis could not answer and these fail-closed policies made the request a 503. */
  unavailable(policies: string[]): void;
}

/** Settings of the limiter (see RateLimitModuleOptions). */
export interface RateLimiterSettings {
  redisBudgetMs: number;
  retryRedisAfterMs: number;
  maxLocalEntries: number;
}

class BudgetExceeded extends Error {
  readonly code = 'RATE_LIMIT_BUDGET_EXCEEDED';
}

/**
 * Decides a request against all its policies: the in-memory block list first (no Redis call for keys
 * known to be blocked), then one Lua call with a time budget, else the fallback: the per-instance
 * limiter for fail-open policies, `RateLimitUnavailableError` when any policy fails closed. After a
 * failure Redis is left alone for `retryRedisAfterMs`, then tried again by the next request; state
 * changes are logged once each, not per request.
 */
export class RateLimiter {
  readonly local: LocalLimiter;
  readonly blocks: BlockList;
  private readonly logger = new Logger('RateLimit');
  private degradedUntil = 0;
  private degraded = false;
  private observer?: RateLimitObserver;

  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: RateLimiterSettings,
  ) {
    this.local = new LocalLimiter(settings.maxLocalEntries);
    this.blocks = new BlockList(settings.maxLocalEntries);
  }

  /** Registers the metrics observer. */
  observe(observer: RateLimitObserver): void {
    this.observer = observer;
  }

  /** True while decisions come from the fallback. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  /**
   * Checks and consumes `checks`, all or nothing.
   * @throws RateLimitUnavailableError when Redis cannot answer and a policy fails closed.
   */
  async consume(checks: readonly PolicyCheck[]): Promise<RateLimitDecision> {
    const blocked = this.fromBlockList(checks);
    if (blocked) return this.record(blocked);
    const decision = await this.decide(checks, true);
    if (!decision.allowed && decision.source === 'redis') {
      for (const r of decision.results) {
        const check = checks.find((c) => c.policy === r.policy)!;
        if (!r.ok && r.retryMs > 0) this.blocks.add(check, r.retryMs);
      }
    }
    return this.record(decision);
  }

  /** Reports `checks` without consuming anything (Redis, else the local limiter, whatever the fail mode). */
  peek(checks: readonly PolicyCheck[]): Promise<RateLimitDecision> {
    return this.decide(checks, false);
  }

  private async decide(checks: readonly PolicyCheck[], consume: boolean): Promise<RateLimitDecision> {
    if (checks.length === 0) return { allowed: true, results: [], source: 'redis' };
    const now = Date.now();
    if (now >= this.degradedUntil) {
      // While degraded, the first request past the pause probes Redis; the others keep to the fallback.
      if (this.degraded) this.degradedUntil = now + this.settings.retryRedisAfterMs;
      try {
        const outcome = await this.withBudget(this.store.run(checks, consume));
        this.recovered();
        return { ...outcome, source: 'redis' };
      } catch (err) {
        this.failed(err, now);
        return this.fallback(checks, consume, err);
      }
    }
    return this.fallback(checks, consume, undefined);
  }

  private fallback(checks: readonly PolicyCheck[], consume: boolean, cause: unknown): RateLimitDecision {
    // Reading (status) never fails closed: nothing is granted by an answer from the local limiter.
    const closed = consume ? checks.filter((c) => c.failMode === 'closed').map((c) => c.policy) : [];
    if (closed.length > 0) {
      this.observer?.unavailable(closed);
      throw new RateLimitUnavailableError(closed, { cause });
    }
    const outcome: CheckOutcome = this.local.run(checks, consume);
    return { ...outcome, source: 'local' };
  }

  private fromBlockList(checks: readonly PolicyCheck[]): RateLimitDecision | undefined {
    const now = Date.now();
    const results = [];
    for (const c of checks) {
      const left = this.blocks.blockedFor(c, now);
      if (left > 0) {
        results.push({
          policy: c.policy,
          limit: c.limit,
          windowMs: c.windowMs,
          ok: false,
          remaining: 0,
          resetMs: left,
          retryMs: left,
        });
      }
    }
    return results.length > 0 ? { allowed: false, results, source: 'blocklist' } : undefined;
  }

  private withBudget<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BudgetExceeded(`Redis took over ${this.settings.redisBudgetMs} ms`)),
        this.settings.redisBudgetMs,
      );
    });
    // A late reply after the budget is dropped; its rejection must not become an unhandled one.
    work.catch(() => undefined);
    return Promise.race([work, budget]).finally(() => clearTimeout(timer));
  }

  private failed(err: unknown, now: number): void {
    this.degradedUntil = now + this.settings.retryRedisAfterMs;
    if (!this.degraded) {
      this.degraded = true;
      this.logger.warn(
        `Redis unavailable for rate limiting (${(err as Error).message}): using the per-instance fallback`,
      );
    }
  }

  private recovered(): void {
    // The probe claimed the next pause; once Redis answers, every request goes to it again.
    this.degradedUntil = 0;
    if (this.degraded) {
      this.degraded = false;
      this.logger.log('Redis rate limiting resumed');
    }
  }

  private record(decision: RateLimitDecision): RateLimitDecision {
    if (this.observer) {
      for (const r of decision.results) {
        if (decision.allowed) this.observer.decided(r.policy, 'allowed', decision.source);
        else if (!r.ok) this.observer.decided(r.policy, 'limited', decision.source);
      }
    }
    return decision;
  }
}
