import { describe, expect, it } from '@jest/globals';
import { L1Store } from './cache.l1.js';

describe('L1Store', () => {
  it('holds at most maxEntries entries', () => {
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 1024 * 1024, maxEntryBytes: 1024 });
    for (let i = 0; i < 50; i++) l1.set(`k${i}`, `value ${i}`, 60_000);
    expect(l1.usage().entries).toBe(10);
    expect(l1.get('k49')).toBe('value 49');
    expect(l1.get('k0')).toBeUndefined();
  });

  it('holds at most maxBytes bytes and refuses entries over maxEntryBytes', () => {
    const l1 = new L1Store({ maxEntries: 1000, maxBytes: 4096, maxEntryBytes: 2048 });
    for (let i = 0; i < 50; i++) l1.set(`k${i}`, 'x'.repeat(1000), 60_000);
    expect(l1.usage().bytes).toBeLessThanOrEqual(4096);
    expect(l1.usage().entries).toBe(4);
    l1.set('big', 'y'.repeat(3000), 60_000);
    expect(l1.get('big')).toBeUndefined();
  });

  it('forgets an entry after its ttl and stores nothing for a non-positive ttl', async () => {
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 4096, maxEntryBytes: 1024 });
    l1.set('short', '1', 30);
    l1.set('long', '2', 60_000);
    l1.set('none', '3', 0);
    expect(l1.get('short')).toBe('1');
    expect(l1.get('none')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 120));
    expect(l1.get('short')).toBeUndefined();
    expect(l1.get('long')).toBe('2');
  });

  it('clears everything at once and stores nothing when switched off', () => {
    const l1 = new L1Store({ maxEntries: 10, maxBytes: 4096, maxEntryBytes: 1024 });
    l1.set('a', '1', 60_000);
    l1.clear();
    expect(l1.get('a')).toBeUndefined();
    const off = new L1Store(false);
    off.set('a', '1', 60_000);
    expect(off.enabled).toBe(false);
    expect(off.get('a')).toBeUndefined();
  });
});
