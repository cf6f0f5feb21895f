/** A calendar day in UTC, `YYYY-MM-DD`. */
export type Day = string;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar day written `YYYY-MM-DD` (2026-02-30 is not one). */
export function isDay(value: unknown): value is Day {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) && dayOf(new Date(ms)) === value;
}

/** The UTC day of an instant. */
export function dayOf(at: Date): Day {
  return at.toISOString().slice(0, 10);
}

/** Midnight UTC of a day, in ms since the epoch. */
export function dayStartMs(day: Day): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The day `n` days after (`n` < 0: before) `day`. */
export function addDays(day: Day, n: number): Day {
  return dayOf(new Date(dayStartMs(day) + n * DAY_MS));
}

/** Number of days from `from` to `to`, both included (0 when `to` is before `from`). */
export function dayCount(from: Day, to: Day): number {
  return Math.max(0, Math.round((dayStartMs(to) - dayStartMs(from)) / DAY_MS) + 1);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: Day, to: Day): Day[] {
  return Array.from({ length: dayCount(from, to) }, (_, i) => addDays(from, i));
}
