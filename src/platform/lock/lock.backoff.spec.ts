import { describe, expect, it } from '@jest/globals';
import { DEFAULT_BACKOFF, nextDelay } from './lock.backoff.js';

describe('nextDelay', () => {
  it('is jittered, not a fixed poll', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(nextDelay(40, 10_000, 10_000))));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('grows from the base towards the cap', () => {
    let delay = 0;
    const seen: number[] = [];
    for (let i = 0; i < 20; i++)
      seen.push((delay = nextDelay(delay, 60_000, 60_000, DEFAULT_BACKOFF, () => 0.99)));
    expect(seen[0]).toBeLessThanOrEqual(DEFAULT_BACKOFF.baseMs);
    expect(Math.max(...seen)).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(seen[19]).toBeGreaterThan(DEFAULT_BACKOFF.capMs * 0.9);
  });

  it('never sleeps past the deadline or long past the holder expiry', () => {
    for (let i = 0; i < 100; i++) {
      expect(nextDelay(200, 60_000, 7)).toBeLessThanOrEqual(7);
      expect(nextDelay(200, 3, 60_000)).toBeLessThanOrEqual(3 + 1 + DEFAULT_BACKOFF.baseMs);
      expect(nextDelay(0, 0, 0)).toBeGreaterThanOrEqual(1);
    }
  });
});
