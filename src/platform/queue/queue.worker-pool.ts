import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { HealthRegistry } from '../health/health.registry.js';
import { KeyBuilder } from '../redis/index.js';
import { QueueConnections } from './queue.connections.js';
import { DeadLetterQueue } from './queue.dead-letter.js';
import { QueueMetrics } from './queue.metrics.js';
import { QUEUE_MODULE_OPTIONS } from './queue.module-definition.js';
import {
  resolveQueueOptions,
  type JobProcessor,
  type QueueModuleOptions,
  type ResolvedQueueOptions,
} from './queue.types.js';

/** Stalled jobs older than this no longer count against the health threshold. */
const STALLED_WINDOW_MS = 5 * 60_000;
/** After the grace period, cancelled jobs get this long to notice their abort signal. */
const CANCEL_WAIT_MS = 1_000;
/** A worker's repeated errors (Redis down) are logged at most this often. */
const ERROR_LOG_INTERVAL_MS = 30_000;

/** One queue's worker in this process, with what health and shutdown need to know about it. */
class Entry {
  worker!: Worker;
  running = 0;
  stalledAt: number[] = [];
  lastErrorLog = 0;

  constructor(readonly concurrency: number) {}
}

/** What this process runs for one queue (health details). */
export interface LocalWorkerState {
  concurrency: number;
  /** Jobs running now. */
  running: number;
  /** False once the worker stopped (shutdown, or its main loop ended). */
  alive: boolean;
}

/**
 * The BullMQ workers of this process: one per processed queue, with the module's lock duration, stalled
 * interval and concurrency. Final failures go to the dead-letter queue; outcomes go to the metrics.
 * Shutdown (before the HTTP server closes): every worker stops fetching at once, running jobs get
 * `shutdownGraceMs` to finish, then they are cancelled (abort signal) and abandoned; another instance
 * re-runs an abandoned job once its lock expires.
 */
@Injectable()
export class QueueWorkerPool implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private readonly entries = new Map<string, Entry>();
  private readonly options: ResolvedQueueOptions;

  constructor(
    private readonly connections: QueueConnections,
    private readonly keys: KeyBuilder,
    private readonly deadLetter: DeadLetterQueue,
    private readonly metrics: QueueMetrics,
    private readonly health: HealthRegistry,
    @Inject(QUEUE_MODULE_OPTIONS) options: QueueModuleOptions,
  ) {
    this.options = resolveQueueOptions(options);
  }

  /** Starts the worker of `queue`; its concurrency is QUEUE_WORKERS, capped by `maxConcurrency`. */
  start(queue: string, processor: JobProcessor, maxConcurrency = Infinity): void {
    if (this.entries.has(queue)) throw new Error(`queue "${queue}" already has a processor in this process`);
    const o = this.options;
    const concurrency = Math.max(1, Math.min(o.workers, maxConcurrency));
    const entry = new Entry(concurrency);
    const run = async (job: Job, _token?: string, signal?: AbortSignal) => {
      const started = performance.now();
      entry.running++;
      try {
        const result = await processor.process(job, signal ?? new AbortController().signal);
        this.metrics.duration.observe({ queue, outcome: 'completed' }, (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        this.metrics.duration.observe({ queue, outcome: 'failed' }, (performance.now() - started) / 1000);
        throw err;
      } finally {
        entry.running--;
      }
    };
    entry.worker = new Worker(queue, run, {
      connection: this.connections.worker(),
      prefix: this.keys.queuePrefix(),
      concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      maxStalledCount: o.maxStalledCount,
      runRetryDelay: o.runRetryDelayMs,
      // Shows in CLIENT LIST (live workers in /health/ready, the dashboard): which host and process.
      name: `${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}`,
    });
    this.listen(queue, entry);
    this.entries.set(queue, entry);
    this.logger.log(`worker started for ${queue} (concurrency ${concurrency})`);
  }

  private listen(queue: string, entry: Entry): void {
    const { worker } = entry;
    worker.on('completed', () => this.metrics.completed.inc({ queue }));
    worker.on('failed', (job: Job | undefined, err: Error) => {
      // finishedOn is set only when BullMQ moved the job to failed for good (no attempt left, or unrecoverable).
      const final = Boolean(job?.finishedOn);
      this.metrics.failed.inc({ queue, final: String(final) });
      if (job && final) void this.deadLetter.record(job, err?.message ?? job.failedReason ?? 'unknown');
    });
    worker.on('stalled', (jobId: string) => {
      this.metrics.stalled.inc({ queue });
      entry.stalledAt.push(Date.now());
      this.logger.warn(
        `job ${queue}/${jobId} stalled (its worker stopped renewing the lock): running it again`,
      );
    });
    worker.on('error', (err: Error) => {
      const now = Date.now();
      if (now - entry.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
      entry.lastErrorLog = now;
      this.logger.warn(`worker ${queue}: ${err.message}`);
    });
  }

  /** This process's workers, by queue. */
  local(): Record<string, LocalWorkerState> {
    const out: Record<string, LocalWorkerState> = {};
    for (const [queue, e] of this.entries) {
      out[queue] = {
        concurrency: e.concurrency,
        running: e.running,
        alive: e.worker.isRunning() && e.worker.closing === undefined,
      };
    }
    return out;
  }

  /** Stalled jobs this process recovered for `queue` in the last 5 minutes. */
  stalledRecently(queue: string): number {
    const entry = this.entries.get(queue);
    if (!entry) return 0;
    const since = Date.now() - STALLED_WINDOW_MS;
    entry.stalledAt = entry.stalledAt.filter((t) => t >= since);
    return entry.stalledAt.length;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // This hook can run before HealthRegistry's own: /health/live must turn 503 now, not after the drain.
    this.health.shuttingDown = true;
    await this.drain();
  }

  /** Stops fetching, waits up to `shutdownGraceMs` for running jobs, then cancels and abandons them. */
  async drain(): Promise<void> {
    if (this.entries.size === 0) return;
    const entries = [...this.entries.values()];
    const running = () => entries.reduce((n, e) => n + e.running, 0);
    this.logger.log(`shutdown: workers stop taking jobs; ${running()} running job(s) may finish`);
    const closed = Promise.allSettled(entries.map((e) => e.worker.close()));
    const grace = this.options.shutdownGraceMs;
    if (await Promise.race([closed.then(() => true), sleep(grace, false)])) return;
    this.logger.warn(
      `shutdown: ${running()} job(s) still running after ${grace} ms: cancelled; their locks expire and another instance runs them again`,
    );
    for (const e of entries) e.worker.cancelAllJobs('shutdown');
    await Promise.race([closed, sleep(CANCEL_WAIT_MS)]);
  }
}
