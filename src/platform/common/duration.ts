/** Units of a {@link Duration} string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/**
 * A duration: milliseconds as a number, or a decimal number with a unit (`500ms`, `1.5s`, `10m`, `24h`,
 * `7d`). Every platform module takes durations in this one form, parsed by {@link toMs}.
 */
export type Duration = number | `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The source of the string form, without anchors, for grammars that embed a duration. */
export const DURATION_SOURCE = '(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)';

const PATTERN = new RegExp(`^${DURATION_SOURCE}$`);

/** Bounds a use puts on a duration, in milliseconds (after rounding). */
export interface DurationBounds {
  /** Smallest accepted value (default 0: zero is allowed, where it means "off" or "none"). */
  min?: number;
  /** Largest accepted value (default Number.MAX_SAFE_INTEGER). */
  max?: number;
}

/** A malformed or out-of-bounds duration. */
export class DurationError extends Error {
  readonly code = 'DURATION_INVALID';
}

/**
 * Whole milliseconds of a Duration, rounded to the nearest millisecond. The rules: a number is
 * milliseconds; a string is a non-negative decimal and a unit (no sign, no space, no exponent);
 * negative, non-finite and malformed values are refused, and so are values outside `bounds`.
 * @throws DurationError (`DURATION_INVALID`), whose message names the value and the rule it breaks.
 * @example toMs('1.5s') // 1500
 * @example toMs('0s', { min: 1 }) // throws: a retention of zero is meaningless
 */
export function toMs(value: Duration, bounds: DurationBounds = {}): number {
  let ms: number | undefined;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) ms = Math.round(value);
  } else {
    const match = PATTERN.exec(value);
    if (match) ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
  }
  if (ms === undefined) {
    throw new DurationError(
      `invalid duration: ${String(value)} (use milliseconds or 500ms, 1.5s, 10m, 24h, 7d)`,
    );
  }
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  if (ms < min || ms > max) {
    throw new DurationError(
      `invalid duration: ${String(value)} (from ${describeMs(min)} to ${describeMs(max)})`,
    );
  }
  return ms;
}

/** A human form of a duration in ms, for documentation and messages (`24 hours`, `90 seconds`). */
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
