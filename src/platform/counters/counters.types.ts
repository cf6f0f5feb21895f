/** Options of CountersModule.forRoot / forRootAsync. */
export interface CountersModuleOptions {
  /** Days a day's counter and HyperLogLog are kept after the day ends (default 90). */
  retentionDays?: number;
  /** Longest range `summary` reads, in days (default 366): one range is one MGET and one PFCOUNT. */
  maxRangeDays?: number;
  /**
   * Subjects counted per namespace and day; the events of further subjects are counted under the day's
   * overflow subject ({@link OVERFLOW_SUBJECT}). Undefined: unbounded (the caller bounds its subjects).
   */
  maxSubjectsPerDay?: number;
}

/** What a range of days adds up to. */
export interface CounterSummary {
  /** Sum of the days' counters: exact. */
  total: number;
  /** Distinct members over the range (HyperLogLog union: standard error 0.81 %). */
  unique: number;
}

/** A range the service refuses: `to` before `from`, or longer than `maxRangeDays`. */
export class CounterRangeError extends Error {
  readonly code = 'COUNTER_RANGE_INVALID';
}

/** The subject under which a day's events past `maxSubjectsPerDay` are counted (no caller's subject). */
export const OVERFLOW_SUBJECT = '~overflow';
