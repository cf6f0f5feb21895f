import type { Job } from 'bullmq';

/** Readiness thresholds of the `queues` health indicator. */
export interface QueueHealthThresholds {
  /** Waiting + prioritized jobs of one queue above this is a breach (default 10,000). */
  maxWaiting: number;
  /** Failed jobs kept in one queue above this is a breach (default 1,000). */
  maxFailed: number;
  /** Stalled jobs seen by this instance in the last 5 minutes above this is a breach (default 10). */
  maxStalled: number;
  /** Jobs parked in the dead-letter queue above this is a breach (default 1,000). */
  maxDeadLetter: number;
  /**
   * `false` (default): a breach is reported in the details and logged, the indicator stays up, because every
   * instance shares the queues and a backlog would take them all out of the load balancer at once.
   * `true`: a breach makes the indicator (and `/health/ready`) down.
   */
  strict: boolean;
}

/** Options of QueueModule.forRoot / forRootAsync; every field has a production default. */
export interface QueueModuleOptions {
  /** Jobs each queue's worker runs at once in this process; 0 = produce only (no worker). Default 5. */
  workers?: number;
  /** How long a worker's lock on a job lasts before it must be renewed (ms, default 30,000). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired, i.e. whose worker died (ms, default 30,000). */
  stalledIntervalMs?: number;
  /** How many times a job may be recovered from a dead worker before it fails (default 2). */
  maxStalledCount?: number;
  /** On shutdown, how long running jobs may take to finish before they are abandoned (ms, default 5,000). */
  shutdownGraceMs?: number;
  /** How long an enqueue may wait for Redis before the request fails with 503 (ms, default 1,000). */
  enqueueTimeoutMs?: number;
  /** Attempts per job before it is dead-lettered (default 5). */
  attempts?: number;
  /** First retry delay; each retry doubles it, with up to 50 % jitter (ms, default 1,000). */
  backoffDelayMs?: number;
  /** Completed jobs kept per queue (at most this many, at most 24 h; default 1,000). */
  keepCompleted?: number;
  /** Failed jobs kept per queue (at most this many, at most 7 days; default 5,000). */
  keepFailed?: number;
  /** How long a client's deduplication id keeps answering with the same job (ms, default 600,000). */
  dedupWindowMs?: number;
  /** Days a dead-letter entry is kept before it is removed (default 30): the queue's bound. */
  deadLetterRetentionDays?: number;
  /** Delay before a worker retries after a Redis error in its main loop (ms, default 1,000). */
  runRetryDelayMs?: number;
  health?: Partial<QueueHealthThresholds>;
}

/** QueueModuleOptions with every default applied. */
export type ResolvedQueueOptions = Required<Omit<QueueModuleOptions, 'health'>> & {
  health: QueueHealthThresholds;
};

/** Fills in the defaults of QueueModuleOptions. */
export function resolveQueueOptions(options: QueueModuleOptions = {}): ResolvedQueueOptions {
  return {
    workers: options.workers ?? 5,
    lockDurationMs: options.lockDurationMs ?? 30_000,
    stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    shutdownGraceMs: options.shutdownGraceMs ?? 5_000,
    enqueueTimeoutMs: options.enqueueTimeoutMs ?? 1_000,
    attempts: options.attempts ?? 5,
    backoffDelayMs: options.backoffDelayMs ?? 1_000,
    keepCompleted: options.keepCompleted ?? 1_000,
    keepFailed: options.keepFailed ?? 5_000,
    dedupWindowMs: options.dedupWindowMs ?? 600_000,
    deadLetterRetentionDays: options.deadLetterRetentionDays ?? 30,
    runRetryDelayMs: options.runRetryDelayMs ?? 1_000,
    health: {
      maxWaiting: 10_000,
      maxFailed: 1_000,
      maxStalled: 10,
      maxDeadLetter: 1_000,
      strict: false,
      ...options.health,
    },
  };
}

/**
 * A job handler, found by QueueExplorer through `@QueueProcessor()`. The signal aborts when the job is
 * cancelled, e.g. when shutdown's grace period ends: long jobs should check it between steps.
 * @example
 * @QueueProcessor({ queue: 'email' })
 * export class EmailProcessor implements JobProcessor<EmailJob> {
 *   async process(job: Job<EmailJob>, signal: AbortSignal) { await this.transport.send(job.data, signal); }
 * }
 */
export interface JobProcessor<D = unknown, R = unknown> {
  process(job: Job<D, R>, signal: AbortSignal): Promise<R>;
}

/** Name of the queue that receives the jobs of every other queue once they have used all their attempts. */
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Data of a dead-letter job: where the job came from, what it carried and why it failed. */
export interface DeadLetterData {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  failedReason: string;
  attemptsMade: number;
  /** ISO 8601 time of the final failure. */
  failedAt: string;
}
