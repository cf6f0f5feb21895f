import { setTimeout as delay } from 'node:timers/promises';

/** Options for {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 50 ms). */
  intervalMs?: number;
  /** The error message on timeout (a function is called then, so it can report the last state seen). */
  message?: string | (() => string);
}

/**
 * Polls `check` until it returns a value other than `undefined` / `false`, and returns that value.
 * For server state that has no event to await (cluster convergence, replication, Sentinel views); a
 * throwing check counts as "not yet", and the last error is attached to the timeout error.
 *
 * @example
 * await waitUntil(async () => (await info()).includes('cluster_state:ok'), { message: 'cluster not ok' });
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const message = typeof options.message === 'function' ? options.message() : options.message;
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${message ?? 'condition not met'} after ${timeoutMs} ms${reason}`, {
        cause: lastError,
      });
    }
    await delay(options.intervalMs ?? 50);
  }
}
