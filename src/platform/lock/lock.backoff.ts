/** Bounds of the wait between two attempts on a busy lock. */
export interface BackoffBounds {
  /** First delay's upper bound, in ms. */
  baseMs: number;
  /** Largest delay, in ms. */
  capMs: number;
}

/** Default bounds: short first retries, then at most 250 ms between attempts. */
export const DEFAULT_BACKOFF: BackoffBounds = { baseMs: 5, capMs: 250 };

/**
 * The next delay before retrying a busy lock: "decorrelated jitter" (random between the base and three
 * times the previous delay, capped), so waiters spread out instead of polling in lock-step, and never
 * much later than the holder's remaining TTL or past the caller's deadline.
 * @param previousMs the previous delay (0 on the first wait)
 * @param holderRemainingMs the holder's remaining TTL as reported by the failed attempt
 * @param deadlineInMs time left of the caller's wait
 * @param random a uniform [0, 1) source (injectable for tests)
 * @example
 * let delay = 0;
 * delay = nextDelay(delay, pttl, deadline - Date.now());
 */
export function nextDelay(
  previousMs: number,
  holderRemainingMs: number,
  deadlineInMs: number,
  bounds: BackoffBounds = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const upper = Math.min(bounds.capMs, Math.max(bounds.baseMs, previousMs * 3));
  let delay = bounds.baseMs / 2 + random() * (upper - bounds.baseMs / 2);
  // A holder about to expire: look again just after its expiry rather than after a long sleep.
  if (holderRemainingMs >= 0) delay = Math.min(delay, holderRemainingMs + 1 + random() * bounds.baseMs);
  return Math.max(1, Math.min(delay, deadlineInMs));
}
