import { decideAll, type AlgorithmState } from './rate-limit.algorithms.js';
import type { PolicyCheck, PolicyResult } from './rate-limit.types.js';

/** The outcome of checking a request's policies: allowed only when every policy admits it. */
export interface CheckOutcome {
  allowed: boolean;
  results: PolicyResult[];
}

/**
 * The per-instance limiter used while Redis is down or slow: the same algorithms on a bounded in-memory
 * map, all or nothing like the Lua script. Each instance counts alone, so across N instances a client gets
 * at most N times the limit: abuse stays bounded without Redis.
 */
export class LocalLimiter {
  private readonly entries = new Map<string, { state: AlgorithmState; expiresAt: number }>();

  constructor(private readonly maxEntries = 100_000) {}

  /** Number of keys held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Checks `checks` and, when `consume` and every policy admits, takes their cost. */
  run(checks: readonly PolicyCheck[], consume: boolean, now = Date.now()): CheckOutcome {
    const states = checks.map((c) => this.read(c.key, now));
    const { allowed, evaluations } = decideAll(checks, states, now, consume);
    const results = checks.map((c, i): PolicyResult => {
      const e = evaluations[i]!;
      if (consume && e.next) this.write(c.key, e.next, now + e.ttlMs);
      return {
        policy: c.policy,
        limit: c.limit,
        windowMs: c.windowMs,
        ok: e.ok,
        remaining: e.remaining,
        resetMs: e.resetMs,
        retryMs: e.retryMs,
      };
    });
    return { allowed, results };
  }

  /** Drops every key (tests; a fresh start after a long outage is not needed: keys expire). */
  clear(): void {
    this.entries.clear();
  }

  private read(key: string, now: number): AlgorithmState {
    const entry = this.entries.get(key);
    if (!entry) return {};
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return {};
    }
    return entry.state;
  }

  private write(key: string, state: AlgorithmState, expiresAt: number): void {
    // Delete then set: the Map's order becomes least-recently-written first, so eviction drops the coldest.
    this.entries.delete(key);
    this.entries.set(key, { state, expiresAt });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
