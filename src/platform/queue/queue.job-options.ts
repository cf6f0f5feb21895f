import type { DefaultJobOptions } from 'bullmq';
import type { ResolvedQueueOptions } from './queue.types.js';

/** Completed jobs are kept at most a day, failed ones a week (and at most the configured counts). */
const DAY_SECONDS = 86_400;

/**
 * The default options of every job: `attempts` tries with exponential backoff (delay, 2 x delay, ...)
 * and 50 % jitter, so jobs that failed together do not retry together; finished jobs are kept bounded
 * by count and age, so Redis memory stays flat however many jobs run.
 */
export function defaultJobOptions(options: ResolvedQueueOptions): DefaultJobOptions {
  return {
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffDelayMs, jitter: 0.5 },
    removeOnComplete: { count: options.keepCompleted, age: DAY_SECONDS },
    removeOnFail: { count: options.keepFailed, age: 7 * DAY_SECONDS },
  };
}
