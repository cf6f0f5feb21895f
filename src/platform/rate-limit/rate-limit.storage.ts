import type { ThrottlerStorage } from '@nestjs/throttler';
import type { KeyBuilder } from '../redis/index.js';
import type { RateLimiter } from './rate-limit.service.js';
import type { RateLimitPolicy } from './rate-limit.types.js';

/** @nestjs/throttler's storage record (the package does not export the interface by name from its index). */
interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * @nestjs/throttler's `ThrottlerStorage` on the same Lua script, one policy per call, for code that uses
 * the stock `ThrottlerGuard` (which calls `increment` once per named throttler). RateLimitGuard does not
 * go through it: it decides every policy of a request in one call.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly policies: Map<string, RateLimitPolicy>;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly keys: KeyBuilder,
    policies: RateLimitPolicy[],
  ) {
    this.policies = new Map(policies.map((p) => [p.name, p]));
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const policy = this.policies.get(throttlerName);
    const algorithm = policy?.algorithm ?? 'fixed-window';
    const decision = await this.limiter.consume([
      {
        policy: throttlerName,
        key: this.keys.tagged('rl', [key], throttlerName, algorithm),
        algorithm,
        limit,
        windowMs: ttl,
        cost: 1,
        blockMs: blockDuration,
        failMode: policy?.failMode ?? 'open',
      },
    ]);
    const r = decision.results[0]!;
    return {
      totalHits: decision.allowed ? limit - r.remaining : limit + 1,
      timeToExpire: Math.ceil(r.resetMs / 1000),
      isBlocked: !decision.allowed,
      timeToBlockExpire: Math.max(1, Math.ceil(r.retryMs / 1000)),
    };
  }
}
