import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { QueueMetrics } from './queue.metrics.js';
import { QUEUE_MODULE_OPTIONS } from './queue.module-definition.js';
import {
  DEAD_LETTER_QUEUE,
  resolveQueueOptions,
  type DeadLetterData,
  type QueueModuleOptions,
} from './queue.types.js';

/** Retention sweeps run at most this often per instance (entries only arrive with failures). */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * The dead-letter queue: a job that used all its attempts (or failed unrecoverably) is copied here with
 * its reason, where the dashboard shows it and an operator decides. Nothing processes this queue. The
 * copy's id is `<queue>-<job id>`, so recording the same failure twice keeps one entry; the original
 * also stays in its queue's failed list (bounded by `keepFailed`), so a failed copy loses nothing.
 * Entries older than `deadLetterRetentionDays` are removed (swept when new ones arrive): the bound on
 * what failures can make Redis keep.
 */
@Injectable()
export class DeadLetterQueue {
  private readonly logger = new Logger('Queue');
  private readonly retentionMs: number;
  private lastSweep = 0;

  constructor(
    @InjectQueue(DEAD_LETTER_QUEUE) private readonly queue: Queue<DeadLetterData>,
    private readonly metrics: QueueMetrics,
    @Inject(QUEUE_MODULE_OPTIONS) options: QueueModuleOptions,
  ) {
    this.retentionMs = resolveQueueOptions(options).deadLetterRetentionDays * 86_400_000;
  }

  /** Removes entries past the retention (parked jobs wait forever otherwise). Never throws. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    try {
      for (;;) {
        const removed = await this.queue.clean(this.retentionMs, 1000, 'wait');
        if (removed.length < 1000) break;
      }
    } catch (err) {
      this.logger.warn(`dead-letter retention sweep failed: ${(err as Error).message}`);
    }
  }

  /** Copies a finally failed job into the dead-letter queue. Never throws: a failure is logged. */
  async record(job: Job, reason: string): Promise<void> {
    const data: DeadLetterData = {
      queue: job.queueName,
      jobId: String(job.id),
      name: job.name,
      data: job.data,
      failedReason: reason,
      attemptsMade: job.attemptsMade,
      failedAt: new Date(job.finishedOn ?? Date.now()).toISOString(),
    };
    try {
      await this.queue.add(`${job.queueName}/${job.name}`, data, {
        jobId: `${job.queueName}-${String(job.id)}`,
        // Parked, not processed: no retries, kept until an operator removes it or the retention ends.
        attempts: 1,
        removeOnComplete: false,
        removeOnFail: false,
      });
      this.metrics.deadLettered.inc({ queue: job.queueName });
      void this.sweep();
      this.logger.warn(
        `job ${job.queueName}/${String(job.id)} dead-lettered after ${job.attemptsMade} attempts: ${reason}`,
      );
    } catch (err) {
      this.logger.error(
        `could not dead-letter job ${job.queueName}/${String(job.id)} (it stays in the failed list): ${(err as Error).message}`,
      );
    }
  }

  /** The dead-letter copy of a job, if any. */
  get(queueName: string, jobId: string): Promise<Job<DeadLetterData> | undefined> {
    return this.queue.getJob(`${queueName}-${jobId}`);
  }
}
