import { describe, expect, it } from '@jest/globals';
import { BlockList } from './rate-limit.block-list.js';
import { LocalLimiter } from './rate-limit.local-limiter.js';
import type { PolicyCheck } from './rate-limit.types.js';

const check = (policy: string, limit: number, windowMs: number, cost = 1): PolicyCheck => ({
  policy,
  key: `k:${policy}`,
  algorithm: 'fixed-window',
  limit,
  windowMs,
  cost,
  blockMs: 0,
  failMode: 'open',
});

describe('LocalLimiter', () => {
  it('decides all policies together: a request refused by one consumes none of the others', () => {
    const local = new LocalLimiter();
    const checks = [check('a', 2, 1000), check('b', 10, 60_000)];
    expect(local.run(checks, true, 0).allowed).toBe(true);
    expect(local.run(checks, true, 0).allowed).toBe(true);
    const refused = local.run(checks, true, 0);
    expect(refused.allowed).toBe(false);
    expect(refused.results.map((r) => [r.policy, r.ok, r.remaining])).toEqual([
      ['a', false, 0],
      ['b', true, 8],
    ]);
    expect(local.run([checks[1]!], false, 0).results[0]!.remaining).toBe(8);
  });

  it('peeks without consuming', () => {
    const local = new LocalLimiter();
    for (let i = 0; i < 5; i++) local.run([check('a', 3, 1000)], false, 0);
    expect(local.run([check('a', 3, 1000)], true, 0).results[0]!.remaining).toBe(2);
  });

  it('stays within its entry bound, dropping the coldest key', () => {
    const local = new LocalLimiter(3);
    for (let i = 0; i < 10; i++) local.run([{ ...check('a', 3, 1000), key: `k${i}` }], true, 0);
    expect(local.size).toBe(3);
  });
});

describe('BlockList', () => {
  it('blocks the same key, limit and window for at least the blocked cost until it expires', () => {
    const blocks = new BlockList();
    const c = check('a', 5, 1000, 2);
    blocks.add(c, 300, 1000);
    expect(blocks.blockedFor(c, 1100)).toBe(200);
    expect(blocks.blockedFor({ ...c, cost: 1 }, 1100)).toBe(0);
    expect(blocks.blockedFor({ ...c, limit: 6 }, 1100)).toBe(0);
    expect(blocks.blockedFor(c, 1300)).toBe(0);
    expect(blocks.size).toBe(0);
  });
});
