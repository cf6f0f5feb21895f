import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of a `YYYY-MM-DD` calendar date at 00:00 UTC, or NaN when it is not a real date. */
export function parseDay(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  const m = ISO_DATE.exec(value);
  if (!m) return NaN;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over to March: a round trip catches it.
  return new Date(ms).toISOString().slice(0, 10) === value ? ms : NaN;
}

/** Today (UTC) as `YYYY-MM-DD`. */
export function todayUtc(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

function rule(
  name: string,
  message: string,
  test: (value: unknown, args: ValidationArguments) => boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message, ...options },
      validator: { validate: test },
    });
}

/** A real calendar date written `YYYY-MM-DD`. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isCalendarDate',
    '$property must be a date written YYYY-MM-DD',
    (v) => !Number.isNaN(parseDay(v)),
    options,
  );
}

/** Today (UTC) or later. */
export function IsNotPastDate(options?: ValidationOptions): PropertyDecorator {
  return rule(
    'isNotPastDate',
    '$property must not be in the past',
    (v) => !(parseDay(v) < parseDay(todayUtc())),
    options,
  );
}

/**
 * After the date in `startProperty`, at most `maxDays` days later (skipped while that one is invalid:
 * its own rule reports it).
 */
export function IsAfterDate(startProperty: string, maxDays: number, options?: ValidationOptions) {
  return rule(
    'isAfterDate',
    `$property must be after ${startProperty} and at most ${maxDays} days later`,
    (v, args) => {
      const start = parseDay((args.object as Record<string, unknown>)[startProperty]);
      const end = parseDay(v);
      if (Number.isNaN(start) || Number.isNaN(end)) return true;
      return end > start && end - start <= maxDays * DAY_MS;
    },
    options,
  );
}
