import type { PolicyCheck } from './rate-limit.types.js';

interface Block {
  until: number;
  cost: number;
  limit: number;
  windowMs: number;
}

/**
 * Keys known to be over their limit, held in memory until they can pass again, so a client hammering a
 * blocked route costs no Redis call. Sound because nothing ever gives units back before `until`: other
 * instances can only consume more, so a request of at least the blocked cost, against the same limit and
 * window, would be refused by Redis too. `until` is measured from when the answer arrived, which is later
 * than Redis's own clock reading, so the local block never ends before the real one.
 */
export class BlockList {
  private readonly blocks = new Map<string, Block>();

  constructor(private readonly maxEntries = 100_000) {}

  /** Number of keys blocked (for tests and metrics). */
  get size(): number {
    return this.blocks.size;
  }

  /** Remembers that `check` cannot pass for `retryMs` from `now`. */
  add(check: PolicyCheck, retryMs: number, now = Date.now()): void {
    if (retryMs <= 0) return;
    this.blocks.delete(check.key);
    this.blocks.set(check.key, {
      until: now + retryMs,
      cost: check.cost,
      limit: check.limit,
      windowMs: check.windowMs,
    });
    if (this.blocks.size > this.maxEntries) {
      const oldest = this.blocks.keys().next().value;
      if (oldest !== undefined) this.blocks.delete(oldest);
    }
  }

  /** Time left (ms) on the block that refuses `check`, or 0 when it is not blocked. */
  blockedFor(check: PolicyCheck, now = Date.now()): number {
    const block = this.blocks.get(check.key);
    if (!block) return 0;
    if (block.until <= now) {
      this.blocks.delete(check.key);
      return 0;
    }
    const same = block.limit === check.limit && block.windowMs === check.windowMs && check.cost >= block.cost;
    return same ? block.until - now : 0;
  }

  clear(): void {
    this.blocks.clear();
  }
}
