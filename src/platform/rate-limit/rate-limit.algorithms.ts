import type { RateLimitAlgorithm } from './rate-limit.types.js';

/**
 * The three algorithms, in TypeScript, for the in-memory fallback limiter. They mirror
 * `lua/rate-limit-consume-n.lua` line for line (same state fields, same arithmetic), and a test runs both
 * on the same sequence to keep them equal.
 *
 * State fields (a Redis hash per policy and tracker):
 * - fixed window:   `a` = end of the current window, `c` = units used in it. The window starts at the first
 *   request after the previous one ended (anchored, so resets of different clients are spread out).
 * - sliding window: `a` = start of the current window, `c` = units used in it, `d` = units used in the
 *   previous window. Windows follow each other from the first request (anchored).
 * - token bucket:   `a` = time of the last refill, `c` = tokens left; `limit` tokens per window, capacity `limit`.
 * - any:            `b` = blocked until (only with a block duration).
 *
 * **Sliding window error bound.** The units in use at time `now`, a fraction `f` into the current window,
 * are estimated as `used = floor(d * (1 - f - 1 ms / w)) + c`, assuming the previous window's requests were
 * spread evenly; the floor adds under one unit of leniency to the bounds below (whole units come back, the
 * first at the next window's start at the latest, so `t` never exceeds the window).
 * With `A` the previous window's units that really fall inside the sliding window `(now - W, now]`
 * (0 <= A <= d), the estimate's error is `A - d * (1 - f)`, within `[-d * (1 - f), d * f]`: under one
 * unit when the previous window's traffic was evenly spread; it may reject early (by at most
 * `d * (1 - f)` units) when that traffic came early, and admit late traffic (by at most `d * f` units)
 * when it came at the end of the previous window. Hard guarantees: no anchored window ever admits more than `limit`, and any interval
 * of length `W` admits fewer than `2 * limit` (reached only if a full window's traffic lands in its last
 * instant); a fixed window admits `2 * limit` around every boundary. Memory: 3 numbers per key.
 */
export interface AlgorithmState {
  a?: number;
  b?: number;
  c?: number;
  d?: number;
}

/** What one policy says about one request at one instant. */
export interface Evaluation {
  ok: boolean;
  remaining: number;
  /** Until additional quota is available (`t`): 0 at full quota, at most the window. */
  resetMs: number;
  retryMs: number;
  /** The state to store when the request is allowed (consumed) or blocked; undefined: nothing to write. */
  next?: AlgorithmState;
  /** Expiry of `next`, in ms from now. */
  ttlMs: number;
}

/** Floating-point slack: a retry computed to the millisecond must pass when it comes. */
const EPS = 1e-9;

interface Normalized {
  a: number;
  c: number;
  d: number;
  used: number;
}

function normalize(
  algorithm: RateLimitAlgorithm,
  s: AlgorithmState,
  limit: number,
  w: number,
  now: number,
): Normalized {
  if (algorithm === 'fixed-window') {
    if (s.a === undefined || s.a <= now) return { a: now + w, c: 0, d: 0, used: 0 };
    const c = s.c ?? 0;
    return { a: s.a, c, d: 0, used: c };
  }
  if (algorithm === 'sliding-window') {
    let a = s.a ?? now;
    let c = s.c ?? 0;
    let d = s.d ?? 0;
    if (now >= a + w) {
      const k = Math.floor((now - a) / w);
      d = k === 1 ? c : 0;
      c = 0;
      a += k * w;
    }
    // The previous window's share, floored and one ms ahead: a whole unit comes back as soon as the
    // window rolls over, so additional quota is never further away than the window (`t`).
    return { a, c, d, used: Math.floor((d * (w - (now - a) - 1)) / w) + c };
  }
  const tokens = s.a === undefined ? limit : Math.min(limit, (s.c ?? 0) + ((now - s.a) * limit) / w);
  return { a: now, c: tokens, d: 0, used: limit - tokens };
}

function retryAfter(
  algorithm: RateLimitAlgorithm,
  n: Normalized,
  limit: number,
  cost: number,
  w: number,
  now: number,
) {
  if (cost > limit) return -1;
  if (algorithm === 'fixed-window') return n.a - now;
  if (algorithm === 'token-bucket') return Math.ceil(((cost - n.c) * w) / limit);
  if (n.c + cost <= limit) {
    // The previous window's share must decay: floor(d * (w - e - 1) / w) <= limit - c - cost; integers, so
    // exact: the first such ms.
    const k = limit - n.c - cost;
    return Math.max(0, n.a + w - 1 - Math.floor(((k + 1) * w - 1) / n.d) - now);
  }
  // Only the next window can take it, once the current count (then "previous") has decayed enough.
  const e = n.c > 0 ? Math.max(0, w - 1 - Math.floor(((limit - cost + 1) * w - 1) / n.c)) : 0;
  return n.a + w + e - now;
}

function resetOf(algorithm: RateLimitAlgorithm, n: Normalized, limit: number, w: number, now: number) {
  if (algorithm === 'fixed-window') return n.used > 0 ? n.a - now : 0;
  if (algorithm === 'token-bucket') return Math.ceil((n.used * w) / limit);
  return n.c > 0 ? n.a + 2 * w - now : n.d > 0 ? n.a + w - now : 0;
}

/**
 * Evaluates one policy. `consume`: the caller has decided the request is allowed by every policy, so the
 * result describes the state after taking `cost` units and `next` is the state to store.
 */
export function evaluate(
  algorithm: RateLimitAlgorithm,
  state: AlgorithmState,
  limit: number,
  windowMs: number,
  cost: number,
  now: number,
  consume: boolean,
  blockMs = 0,
): Evaluation {
  const n = normalize(algorithm, state, limit, windowMs, now);
  const blocked = state.b !== undefined && state.b > now;
  const fits = n.used + cost <= limit + EPS;
  const ok = !blocked && fits;
  if (consume && ok) {
    if (algorithm === 'token-bucket') n.c -= cost;
    else n.c += cost;
    n.used += cost;
  }
  const remaining = Math.max(0, Math.floor(limit - n.used + EPS));
  const resetMs = Math.max(0, resetOf(algorithm, n, limit, windowMs, now));
  // draft-ietf-httpapi-ratelimit-headers-10 `t`: until additional quota, i.e. until a cost of
  // remaining + 1 fits; at most the window for every algorithm (see `lua/rate-limit-consume-n.lua`).
  const moreMs =
    remaining >= limit ? 0 : Math.max(0, retryAfter(algorithm, n, limit, remaining + 1, windowMs, now));
  let retryMs = fits ? 0 : retryAfter(algorithm, n, limit, cost, windowMs, now);
  if (blocked && retryMs >= 0) retryMs = Math.max(retryMs, state.b! - now);
  let next: AlgorithmState | undefined;
  let ttlMs = 0;
  if (consume && ok) {
    next = algorithm === 'sliding-window' ? { a: n.a, c: n.c, d: n.d } : { a: n.a, c: n.c };
    ttlMs = algorithm === 'sliding-window' ? n.a + 2 * windowMs - now : Math.max(1, resetMs);
  } else if (consume && !ok && blockMs > 0 && !blocked && retryMs >= 0) {
    // Blocked: keep the counters as they were and remember the end of the block.
    next = { ...state, b: now + blockMs };
    ttlMs = Math.max(blockMs, algorithm === 'sliding-window' ? n.a + 2 * windowMs - now : resetMs);
    retryMs = Math.max(retryMs, blockMs);
  }
  return { ok, remaining, resetMs: moreMs, retryMs, next, ttlMs };
}

/** One policy's parameters, as `decideAll` takes them. */
export interface PolicyParams {
  algorithm: RateLimitAlgorithm;
  limit: number;
  windowMs: number;
  cost: number;
  blockMs: number;
}

/**
 * Every policy of one request, all or nothing (what the Lua script does in Redis): the request is allowed
 * when each policy admits it, and only then is anything consumed; a refusing policy with a block duration
 * records its block. Evaluations carry `next` exactly when there is state to write.
 */
export function decideAll(
  policies: readonly PolicyParams[],
  states: readonly AlgorithmState[],
  now: number,
  consume: boolean,
): { allowed: boolean; evaluations: Evaluation[] } {
  const first = policies.map((p, i) =>
    evaluate(p.algorithm, states[i] ?? {}, p.limit, p.windowMs, p.cost, now, false, p.blockMs),
  );
  const allowed = first.every((e) => e.ok);
  const evaluations = policies.map((p, i) =>
    consume && (allowed || (!first[i]!.ok && p.blockMs > 0))
      ? evaluate(p.algorithm, states[i] ?? {}, p.limit, p.windowMs, p.cost, now, true, p.blockMs)
      : first[i]!,
  );
  return { allowed, evaluations };
}
