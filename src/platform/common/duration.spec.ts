import { describe, expect, it } from '@jest/globals';
import { DURATION_SOURCE, describeMs, DurationError, toMs, type Duration } from './duration.js';

describe('Duration: one parser for every module', () => {
  it('reads numbers as milliseconds and strings as a decimal and a unit', () => {
    expect(toMs(250)).toBe(250);
    expect(toMs('500ms')).toBe(500);
    expect(toMs('1.5s')).toBe(1500);
    expect(toMs('10m')).toBe(600_000);
    expect(toMs('24h')).toBe(86_400_000);
    expect(toMs('7d')).toBe(604_800_000);
  });

  it('rounds to the nearest whole millisecond', () => {
    expect(toMs(1.4)).toBe(1);
    expect(toMs(1.5)).toBe(2);
    expect(toMs('0.0006s')).toBe(1);
    expect(toMs('2.5ms')).toBe(3);
  });

  it('accepts zero unless the use asks for a minimum', () => {
    expect(toMs(0)).toBe(0);
    expect(toMs('0s')).toBe(0);
    expect(() => toMs('0s', { min: 1 })).toThrow(DurationError);
    expect(() => toMs('0.0004s', { min: 1 })).toThrow(/invalid duration: 0.0004s/);
    expect(() => toMs('32d', { max: 31 * 86_400_000 })).toThrow(/from 0 ms to 31 days/);
  });

  it('refuses signs, spaces, exponents, unknown units, missing units and non-finite numbers', () => {
    const bad = ['-1s', '+1s', '1 s', '1e3ms', '1w', '24', '', 's', '.5s', -5, Number.NaN, Infinity];
    for (const value of bad) {
      expect(() => toMs(value as Duration)).toThrow(DurationError);
      expect(() => toMs(value as Duration)).toThrow(/^invalid duration/);
    }
  });

  it('exposes its grammar for settings that embed a duration', () => {
    expect(new RegExp(`^(\\d+)/${DURATION_SOURCE}$`).exec('100/1.5m')?.slice(1)).toEqual(['100', '1.5', 'm']);
  });

  it('describes durations for people', () => {
    expect(describeMs(86_400_000)).toBe('24 hours');
    expect(describeMs(172_800_000)).toBe('2 days');
    expect(describeMs(5000)).toBe('5 seconds');
    expect(describeMs(1500)).toBe('1500 ms');
  });
});
