import type { Duration } from './idempotency.types.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Converts a Duration to whole milliseconds.
 * @throws Error (code `IDEMPOTENCY_BAD_DURATION`) for a negative, non-finite or malformed value; decorator
 * options are checked when the route is first called, so a typo fails loudly rather than meaning "forever".
 * @example toMs('24h') // 86400000
 */
export function toMs(value: Duration): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return Math.round(value);
  } else {
    const match = PATTERN.exec(value);
    if (match) {
      const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
      if (ms > 0) return ms;
    }
  }
  throw Object.assign(new Error(`invalid duration: ${String(value)}`), { code: 'IDEMPOTENCY_BAD_DURATION' });
}

/** A human form of a duration in ms, for the OpenAPI description (`24 hours`, `90 seconds`). */
export function describeMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    // "24 hours" reads better than "1 day"; days only from two on.
    if (name === 'day' && ms < 2 * size) continue;
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}
