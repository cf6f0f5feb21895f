import { describe, expect, it } from '@jest/globals';
import { evaluate, type AlgorithmState } from './rate-limit.algorithms.js';
import type { RateLimitAlgorithm } from './rate-limit.types.js';

/** Drives one policy like the limiter does: check, then commit when admitted. */
function limiter(algorithm: RateLimitAlgorithm, limit: number, windowMs: number, blockMs = 0) {
  let state: AlgorithmState = {};
  let expiresAt = Infinity;
  return (now: number, cost = 1) => {
    if (now >= expiresAt) state = {};
    const first = evaluate(algorithm, state, limit, windowMs, cost, now, false, blockMs);
    const e = evaluate(algorithm, state, limit, windowMs, cost, now, true, blockMs);
    if (e.next) {
      state = e.next;
      expiresAt = now + e.ttlMs;
    }
    expect(e.ok).toBe(first.ok);
    return e;
  };
}

describe('fixed window', () => {
  it('admits limit per window anchored at the first request, then tells when it resets', () => {
    const hit = limiter('fixed-window', 3, 1000);
    expect([hit(100), hit(200), hit(300)].map((e) => e.ok)).toEqual([true, true, true]);
    const refused = hit(400);
    expect(refused).toMatchObject({ ok: false, remaining: 0, retryMs: 700 });
    expect(hit(1099).ok).toBe(false);
    expect(hit(1100)).toMatchObject({ ok: true, remaining: 2, resetMs: 1000 });
  });
});

describe('sliding window', () => {
  it('weights the previous window and gives a retry time that passes exactly then', () => {
    const hit = limiter('sliding-window', 10, 1000);
    for (let i = 0; i < 10; i++) expect(hit(0).ok).toBe(true);
    const refused = hit(500);
    // Next window from 1000: the previous share floor(10 * (1000 - e - 1) / 1000) is 9 from e = 0.
    expect(refused).toMatchObject({ ok: false, retryMs: 500 });
    expect(hit(999).ok).toBe(false);
    expect(hit(1000)).toMatchObject({ ok: true, remaining: 0, resetMs: 100 });
    // Then floor(10 * (999 - e) / 1000) <= 8 from e = 100.
    expect(hit(1000).retryMs).toBe(100);
    expect(hit(1099).ok).toBe(false);
    expect(hit(1100).ok).toBe(true);
  });

  it('reports t, the time until additional quota: the next window at the latest, never a full quota', () => {
    const hit = limiter('sliding-window', 10, 1000);
    expect(hit(250)).toMatchObject({ ok: true, remaining: 9, resetMs: 1000 });
    hit(251);
    hit(252);
    // Next window from 1250: d = 3, share floor(3 * 999 / 1000) = 2, so 8 pass; the share drops to 1 at
    // e = 333 (floor(3 * 666 / 1000)), long before a full quota (3250).
    for (let i = 0; i < 7; i++) expect(hit(1250).ok).toBe(true);
    expect(hit(1250)).toMatchObject({ ok: true, remaining: 0, resetMs: 333 });
    expect(hit(1582).ok).toBe(false);
    expect(hit(1583)).toMatchObject({ ok: true, remaining: 0 });
  });

  it('never admits more than limit in an anchored window nor 2 * limit in any interval of one window', () => {
    const L = 20;
    const W = 1000;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 20; run++) {
      const hit = limiter('sliding-window', L, W);
      const admitted: number[] = [];
      let t = 0;
      while (t < 10 * W) {
        t += Math.floor(random() * 30);
        if (hit(t).ok) admitted.push(t);
      }
      for (let i = 0; i < admitted.length; i++) {
        let j = i;
        while (j < admitted.length && admitted[j]! < admitted[i]! + W) j++;
        expect(j - i).toBeLessThan(2 * L);
      }
      for (let k = 0; k < 10; k++) {
        expect(admitted.filter((x) => x >= k * W && x < (k + 1) * W).length).toBeLessThanOrEqual(L);
      }
    }
  });

  it('tracks evenly spread traffic and reaches the documented worst case under end-loaded traffic', () => {
    // Even: a steady rate 10 % under limit / window is never refused (the estimate tracks the true
    // count to within one request; at exactly limit / window that one request is refused at boundaries).
    const even = limiter('sliding-window', 10, 1000);
    const evenOk = Array.from({ length: 60 }, (_, i) => even(i * 110).ok);
    expect(evenOk.every(Boolean)).toBe(true);
    // End-loaded: a full window with 9 of its 10 at its last instant, then a burst late in the next
    // window: the estimate assumes the 10 were spread out and floors their share (floor(10 * 0.099) = 0),
    // so 10 more pass, and (900, 1900] holds 19 admitted requests: the `limit + d * f + 1` worst case,
    // under 2 * limit.
    const worst = limiter('sliding-window', 10, 1000);
    worst(0);
    for (let i = 0; i < 9; i++) expect(worst(999).ok).toBe(true);
    let late = 0;
    for (let i = 0; i < 20; i++) if (worst(1900).ok) late++;
    expect(late).toBe(10);
  });
});

describe('token bucket', () => {
  it('allows a burst of limit then refills limit per window', () => {
    const hit = limiter('token-bucket', 10, 1000);
    for (let i = 0; i < 10; i++) expect(hit(0).ok).toBe(true);
    expect(hit(0)).toMatchObject({ ok: false, remaining: 0, retryMs: 100 });
    expect(hit(99).ok).toBe(false);
    expect(hit(100)).toMatchObject({ ok: true, remaining: 0 });
    // t: the next whole token, 100 ms away (not the full bucket, 600 ms)
    expect(hit(600)).toMatchObject({ ok: true, remaining: 4, resetMs: 100 });
  });
});

describe('cost and block', () => {
  it('takes cost units and refuses a cost above the limit forever (retry -1)', () => {
    const hit = limiter('fixed-window', 10, 1000);
    expect(hit(0, 5)).toMatchObject({ ok: true, remaining: 5 });
    expect(hit(0, 5)).toMatchObject({ ok: true, remaining: 0 });
    expect(hit(0, 1).ok).toBe(false);
    expect(hit(2000, 11)).toMatchObject({ ok: false, retryMs: -1 });
  });

  it('holds a block for its duration even when the window frees up earlier', () => {
    const hit = limiter('fixed-window', 2, 1000, 5000);
    hit(0);
    hit(0);
    expect(hit(10)).toMatchObject({ ok: false, retryMs: 5000 });
    expect(hit(2000)).toMatchObject({ ok: false, retryMs: 3010 });
    expect(hit(5010).ok).toBe(true);
  });
});

describe('t (RateLimit field, draft-ietf-httpapi-ratelimit-headers-10)', () => {
  it('is never above the window and is exactly when additional quota appears, for every algorithm', () => {
    let seed = 20261206;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    let checked = 0;
    for (const algorithm of ['fixed-window', 'sliding-window', 'token-bucket'] as const) {
      for (let run = 0; run < 300; run++) {
        const limit = int(1, 30);
        const w = int(50, 20_000);
        let state: AlgorithmState = {};
        let expiresAt = Infinity;
        // What the limiter would answer at `at` (a stored state expires with its TTL).
        const remainingAt = (at: number) =>
          evaluate(algorithm, at >= expiresAt ? {} : state, limit, w, 1, at, false).remaining;
        let now = 0;
        for (let i = int(1, 3 * limit); i > 0; i--) {
          now += int(0, Math.ceil((2 * w) / limit));
          if (now >= expiresAt) state = {};
          const e = evaluate(algorithm, state, limit, w, int(1, 2), now, true);
          if (e.next) {
            state = e.next;
            expiresAt = now + e.ttlMs;
          }
          expect(e.resetMs).toBeLessThanOrEqual(w);
          if (e.remaining >= limit) {
            expect(e.resetMs).toBe(0);
            continue;
          }
          // More quota at now + t, none before it (a token bucket's fractional tokens may make t 1 ms late:
          // the fit check has a 1e-9 slack that the rounded-up time does not see).
          const at = remainingAt(now + e.resetMs) > e.remaining;
          const early = e.resetMs > 1 && remainingAt(now + e.resetMs - 2) > e.remaining;
          if (!at || early)
            throw new Error(JSON.stringify({ at, early, algorithm, limit, w, now, e, state }));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });
});
