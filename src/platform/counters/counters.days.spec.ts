import { describe, expect, it } from '@jest/globals';
import { addDays, dayCount, dayOf, daysBetween, isDay } from './counters.days.js';

describe('UTC days', () => {
  it('accepts only real calendar days written YYYY-MM-DD', () => {
    expect(isDay('2026-11-22')).toBe(true);
    expect(isDay('2024-02-29')).toBe(true);
    for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-1-01', '20261122', '', 42, null]) {
      expect(isDay(bad)).toBe(false);
    }
  });

  it('counts and lists days across month and year ends, both ends included', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(dayCount('2026-11-16', '2026-11-22')).toBe(7);
    expect(dayCount('2026-11-22', '2026-11-21')).toBe(0);
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });

  it('takes the UTC day of an instant', () => {
    expect(dayOf(new Date('2026-11-22T23:59:59.999Z'))).toBe('2026-11-22');
    expect(dayOf(new Date('2026-11-23T00:30:00+01:00'))).toBe('2026-11-22');
  });
});
