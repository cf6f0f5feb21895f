import { describe, expect, it } from '@jest/globals';
import { evaluateFlag, rolloutBucket } from './flags.evaluate.js';
import { FlagsL1 } from './flags.l1.js';
import type { FeatureFlag } from './flags.types.js';

const flag = (name: string, version: number, extra: Partial<FeatureFlag> = {}): FeatureFlag => ({
  name,
  version,
  enabled: true,
  rolloutPercent: 100,
  updatedAt: '2026-11-22T00:00:00.000Z',
  ...extra,
});

describe('FlagsL1', () => {
  it('applies writes of its epoch in order and reports a skipped version or another epoch as a gap', () => {
    const l1 = new FlagsL1();
    expect(l1.apply('e1', flag('a', 1))).toBe('gap'); // no snapshot yet
    l1.replace('e1', 0, []);
    expect(l1.apply('e1', flag('a', 1))).toBe('applied');
    expect(l1.apply('e1', flag('b', 2))).toBe('applied');
    expect(l1.version).toBe(2);
    expect(l1.apply('e1', flag('a', 4, { enabled: false }))).toBe('gap');
    expect(l1.get('a')?.enabled).toBe(false);
    expect(l1.version).toBe(2);
    expect(l1.apply('e1', flag('a', 4))).toBe('stale');
    expect(l1.apply('e1', flag('a', 1))).toBe('stale');
    expect(l1.apply('e2', flag('a', 9))).toBe('gap');
    expect(l1.get('a')?.version).toBe(4);
  });

  it('takes a snapshot of its epoch unless it is older, keeping per flag the newer copy', () => {
    const l1 = new FlagsL1();
    l1.replace('e1', 0, []);
    l1.apply('e1', flag('a', 1));
    l1.apply('e1', flag('b', 5, { rolloutPercent: 7 })); // newer than the snapshot below
    expect(l1.replace('e1', 3, [flag('a', 3, { enabled: false }), flag('b', 2), flag('c', 1)])).toBe(true);
    expect(l1.version).toBe(3);
    expect(l1.get('a')?.enabled).toBe(false);
    expect(l1.get('b')?.rolloutPercent).toBe(7);
    expect(l1.list().map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect(l1.replace('e1', 2, [])).toBe(false);
    expect(l1.list()).toHaveLength(3);
  });

  it('replaces everything with a snapshot of another epoch (the hash was lost), even at a lower version', () => {
    const l1 = new FlagsL1();
    l1.replace('e1', 7, [flag('a', 7), flag('b', 6)]);
    expect(l1.replace('e2', 1, [flag('c', 1)])).toBe(true);
    expect(l1.list().map((f) => f.name)).toEqual(['c']);
    expect(l1.version).toBe(1);
    expect(l1.replace('', 0, [])).toBe(true);
    expect(l1.list()).toEqual([]);
  });
});

describe('rollout evaluation', () => {
  it('is deterministic per flag and subject and follows the percentage', () => {
    expect(rolloutBucket('checkout', 'user-1')).toBe(rolloutBucket('checkout', 'user-1'));
    expect(rolloutBucket('checkout', 'user-1')).not.toBe(rolloutBucket('search', 'user-1'));
    const half = flag('checkout', 1, { rolloutPercent: 50 });
    const on = Array.from({ length: 10_000 }, (_, i) => evaluateFlag(half, `user-${i}`)).filter(
      (e) => e.enabled,
    );
    expect(on.length).toBeGreaterThan(4_800);
    expect(on.length).toBeLessThan(5_200);
    expect(evaluateFlag(flag('x', 1, { rolloutPercent: 0 }), 'u').enabled).toBe(false);
    expect(evaluateFlag(flag('x', 1, { enabled: false }), 'u').enabled).toBe(false);
    expect(evaluateFlag(flag('x', 1), 'u').enabled).toBe(true);
  });
});
