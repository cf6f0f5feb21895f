import { Inject, Injectable } from '@nestjs/common';
import type { Job, JobsOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { KeyBuilder } from '../redis/index.js';
import { QueueConnections } from './queue.connections.js';
import { QueueUnavailableProblem, withTimeout } from './queue.errors.js';
import { QueueMetrics } from './queue.metrics.js';
import { QUEUE_MODULE_OPTIONS } from './queue.module-definition.js';
import { QueueRegistry } from './queue.registry.js';
import { resolveQueueOptions, type QueueModuleOptions, type ResolvedQueueOptions } from './queue.types.js';

/** Options of {@link QueueProducer.enqueue}. */
export interface EnqueueOptions {
  /**
   * A client-given id: within the deduplication window, every enqueue with the same id (and scope) answers
   * the first job instead of adding another. Hashed with the scope before it reaches a key.
   */
  deduplicationId?: string;
  /** Whose id it is (the principal): two callers' ids never collide. Default `global`. */
  scope?: string;
  /**
   * The job's id when the caller owns it (an outbox row's id, a UUID); default a random UUID. Adding an id
   * that Redis already has adds nothing, so an outbox can re-add safely.
   */
  jobId?: string;
  /** Extra BullMQ options (priority, delay, ...); attempts and backoff come from the module defaults. */
  jobOptions?: Omit<JobsOptions, 'jobId' | 'deduplication'>;
}

/** What enqueue answers: the job's id, and whether an earlier job with the same deduplication id was returned. */
export interface EnqueueResult {
  jobId: string;
  deduplicated: boolean;
}

/**
 * Adds jobs and reads them back, failing closed: when Redis cannot acknowledge within
 * `enqueueTimeoutMs` (or the connection is already known to be down) the caller gets a 503 problem, never
 * a 202 for a job that may not exist. Job ids are random UUIDs, so ids cannot be guessed or enumerated.
 * @example
 * const { jobId } = await producer.enqueue('email', 'send', { to, subject, body }, { deduplicationId, scope: principalOf(req) });
 */
@Injectable()
export class QueueProducer {
  private readonly options: ResolvedQueueOptions;

  constructor(
    private readonly registry: QueueRegistry,
    private readonly connections: QueueConnections,
    private readonly metrics: QueueMetrics,
    @Inject(QUEUE_MODULE_OPTIONS) options: QueueModuleOptions,
  ) {
    this.options = resolveQueueOptions(options);
  }

  /** Adds a job. @throws QueueUnavailableProblem (503) when Redis does not acknowledge it in time. */
  async enqueue<D>(
    queueName: string,
    name: string,
    data: D,
    opts: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    const queue = this.registry.get(queueName);
    const jobId = opts.jobId ?? randomUUID();
    const jobOptions: JobsOptions = { ...opts.jobOptions, jobId };
    if (opts.deduplicationId !== undefined) {
      jobOptions.deduplication = {
        id: KeyBuilder.part(`${opts.scope ?? 'global'}:${opts.deduplicationId}`),
        ttl: this.options.dedupWindowMs,
      };
    }
    const job = await this.guard(queueName, () => queue.add(name, data, jobOptions));
    this.metrics.enqueued.inc({ queue: queueName });
    return { jobId: job.id!, deduplicated: job.id !== jobId };
  }

  /** A job by id, or undefined. @throws QueueUnavailableProblem (503) when Redis does not answer in time. */
  async getJob<D = unknown, R = unknown>(queueName: string, jobId: string): Promise<Job<D, R> | undefined> {
    const queue = this.registry.get(queueName);
    return this.guard(
      queueName,
      async () => ((await queue.getJob(jobId)) as Job<D, R> | undefined) ?? undefined,
    );
  }

  /**
   * A job and its state (`waiting`, `active`, `completed`, `failed`, `delayed`, ...), or undefined. The
   * state is read first: a job that finishes in between then shows a state no later than its data
   * (never `completed` with 0 attempts). @throws QueueUnavailableProblem
   */
  async getJobWithState<D = unknown, R = unknown>(
    queueName: string,
    jobId: string,
  ): Promise<{ job: Job<D, R>; state: string } | undefined> {
    const queue = this.registry.get(queueName);
    return this.guard(queueName, async () => {
      const state = await queue.getJobState(jobId);
      const job = (await queue.getJob(jobId)) as Job<D, R> | undefined;
      return job ? { job, state } : undefined;
    });
  }

  /**
   * Makes sure each job exists, adding with its own id those Redis does not have (a restart without
   * persistence, a failover that lost them): the outbox reconcilers' re-add. Two round trips at most, one
   * pipeline of EXISTS and one `addBulk` of the missing jobs (all of a queue's keys share one slot, so
   * both run on Cluster); an add racing another for the same id still creates one job. Answers how many
   * were added. @throws Error when Redis does not answer in time (not counted as a refused enqueue).
   */
  async ensureJobs<D>(
    queueName: string,
    jobs: ReadonlyArray<{ name: string; data: D; jobId: string }>,
  ): Promise<number> {
    if (jobs.length === 0) return 0;
    if (!this.connections.producerReady) throw new Error(`connection ${this.connections.producer.status}`);
    const queue = this.registry.get(queueName);
    const run = async () => {
      const pipeline = this.connections.producer.pipeline();
      for (const job of jobs) pipeline.exists(queue.toKey(job.jobId));
      const results = (await pipeline.exec()) ?? [];
      const missing = jobs.filter((_, i) => {
        const [err, exists] = results[i] ?? [new Error('no reply')];
        if (err) throw err;
        return exists === 0;
      });
      if (missing.length > 0) {
        await queue.addBulk(missing.map((j) => ({ name: j.name, data: j.data, opts: { jobId: j.jobId } })));
        this.metrics.enqueued.inc({ queue: queueName }, missing.length);
      }
      return missing.length;
    };
    return withTimeout(
      run(),
      this.options.enqueueTimeoutMs * 2,
      () => new Error(`no answer from Redis within ${this.options.enqueueTimeoutMs * 2} ms`),
    );
  }

  private async guard<T>(queueName: string, op: () => Promise<T>): Promise<T> {
    // A connection already known to be down fails at once; the offline queue would otherwise hold the
    // command until Redis returns, long after the client gave up.
    if (!this.connections.producerReady) {
      this.metrics.rejected.inc({ queue: queueName });
      throw new QueueUnavailableProblem(
        queueName,
        new Error(`connection ${this.connections.producer.status}`),
      );
    }
    try {
      return await withTimeout(
        op(),
        this.options.enqueueTimeoutMs,
        () => new Error(`no answer from Redis within ${this.options.enqueueTimeoutMs} ms`),
      );
    } catch (err) {
      this.metrics.rejected.inc({ queue: queueName });
      throw new QueueUnavailableProblem(queueName, err);
    }
  }
}
