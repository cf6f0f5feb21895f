import { Inject, Injectable } from '@nestjs/common';
import { KeyBuilder, LuaScripts, REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import { COUNTERS_MODULE_OPTIONS } from './counters.module-definition.js';
import { dayCount, dayOf, daysBetween, dayStartMs, type Day } from './counters.days.js';
import {
  CounterRangeError,
  OVERFLOW_SUBJECT,
  type CounterSummary,
  type CountersModuleOptions,
} from './counters.types.js';

const DAY_S = 86_400;

/**
 * Per-day counters with per-day unique members, for one subject (a page path) in a namespace (`pages`):
 * `{prefix}:counter:{ns:subject}:YYYY-MM-DD` (INCRBY) and `{prefix}:hll:{ns:subject}:YYYY-MM-DD` (PFADD).
 * One subject's keys share the hash tag `{ns:subject}` (the subject hashed by KeyBuilder when it is not
 * plain), so recording is one Lua call and a range is one MGET plus one PFCOUNT, on one Cluster node.
 * Each day's keys expire `retentionDays` after the day ends.
 * @example
 * await counters.record('pages', '/pricing', visitorId);
 * const { total, unique } = await counters.summary('pages', '/pricing', '2026-11-16', '2026-11-22');
 */
@Injectable()
export class DailyCountersService {
  /** Days kept after a day ends. */
  readonly retentionDays: number;
  /** Longest range of `summary`, in days. */
  readonly maxRangeDays: number;
  /** Subjects counted per namespace and day (the rest under the overflow subject); undefined: unbounded. */
  readonly maxSubjectsPerDay: number | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly scripts: LuaScripts,
    private readonly keys: KeyBuilder,
    @Inject(COUNTERS_MODULE_OPTIONS) options: CountersModuleOptions,
  ) {
    this.retentionDays = options.retentionDays ?? 90;
    this.maxRangeDays = options.maxRangeDays ?? 366;
    this.maxSubjectsPerDay = options.maxSubjectsPerDay;
  }

  /** Subjects admitted today (never removed from the day's set, so remembering them is sound). */
  private admitted = { key: '', subjects: new Set<string>() };

  /** The day's set of admitted subjects; same hash tag as the overflow subject's keys. */
  subjectsKey(namespace: string, day: Day): string {
    return this.keys.tagged('counter', [namespace, OVERFLOW_SUBJECT], 'subjects', day);
  }

  /**
   * True when the subject is counted under its own keys today; false when the event was counted under
   * the overflow subject (one Lua call, only for a subject this instance has not seen admitted today).
   */
  private async admit(namespace: string, subject: string, member: string, day: Day, expireAt: number) {
    const max = this.maxSubjectsPerDay;
    if (max === undefined) return true;
    const cacheKey = `${namespace}\n${day}`;
    if (this.admitted.key !== cacheKey) this.admitted = { key: cacheKey, subjects: new Set() };
    if (this.admitted.subjects.has(subject)) return true;
    const ok = await this.scripts.run<number>(
      'counters-admit',
      [
        this.subjectsKey(namespace, day),
        this.counterKey(namespace, OVERFLOW_SUBJECT, day),
        this.uniqueKey(namespace, OVERFLOW_SUBJECT, day),
      ],
      [subject, max, member, expireAt, dayStartMs(day) / 1000 + 2 * DAY_S],
    );
    if (Number(ok) !== 1) return false;
    this.admitted.subjects.add(subject);
    return true;
  }

  /** The counter key of a subject's day. */
  counterKey(namespace: string, subject: string, day: Day): string {
    return this.keys.tagged('counter', [namespace, subject], day);
  }

  /** The HyperLogLog key of a subject's day (same slot as its counter). */
  uniqueKey(namespace: string, subject: string, day: Day): string {
    return this.keys.tagged('hll', [namespace, subject], day);
  }

  /**
   * Counts one occurrence of `member` today (UTC, this process's clock): one EVALSHA; one more the first
   * time this instance sees the subject today when subjects are bounded (then maybe counted as overflow).
   */
  async record(namespace: string, subject: string, member: string, at = new Date()): Promise<void> {
    const day = dayOf(at);
    const expireAt = dayStartMs(day) / 1000 + DAY_S * (1 + this.retentionDays);
    if (!(await this.admit(namespace, subject, member, day, expireAt))) return;
    await this.scripts.run(
      'counters-record',
      [this.counterKey(namespace, subject, day), this.uniqueKey(namespace, subject, day)],
      [member, 1, expireAt],
    );
  }

  /**
   * Total and unique members from `from` to `to` (both included): MGET and PFCOUNT, auto-pipelined into
   * one round trip. Days with no data (or past retention) count as zero.
   * @throws CounterRangeError when `to` is before `from` or the range is longer than `maxRangeDays`.
   */
  async summary(namespace: string, subject: string, from: Day, to: Day): Promise<CounterSummary> {
    const n = dayCount(from, to);
    if (n === 0) throw new CounterRangeError(`the range ends (${to}) before it starts (${from})`);
    if (n > this.maxRangeDays) {
      throw new CounterRangeError(`the range is ${n} days long; at most ${this.maxRangeDays} are allowed`);
    }
    const days = daysBetween(from, to);
    const [counts, unique] = await Promise.all([
      this.redis.mget(days.map((d) => this.counterKey(namespace, subject, d))),
      this.redis.pfcount(...days.map((d) => this.uniqueKey(namespace, subject, d))),
    ]);
    const total = counts.reduce((sum, c) => sum + (c === null ? 0 : Number(c)), 0);
    return { total, unique };
  }
}
