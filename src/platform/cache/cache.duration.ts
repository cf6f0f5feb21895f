import { CacheError } from './cache.errors.js';
import type { Duration } from './cache.types.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds of a Duration.
 * @example toMs('60s') // 60000
 * @throws CacheError `CACHE_BAD_DURATION` for a negative, non-finite or malformed value.
 */
export function toMs(value: Duration): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new CacheError('CACHE_BAD_DURATION', `bad duration ${value}`);
    }
    return Math.floor(value);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new CacheError('CACHE_BAD_DURATION', `bad duration ${value}`);
  return Math.floor(Number(match[1]) * UNITS[match[2]!]!);
}
