import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { QueueProducer } from '../../platform/queue/index.js';
import { Public } from '../../platform/auth/index.js';

/** Queue of the enqueue-throughput scenario: nothing processes it (the scenario measures the add alone). */
export const BENCH_QUEUE = 'bench';
/** Queue of the end-to-end latency scenario: a no-op processor completes each job. */
export const BENCH_E2E_QUEUE = 'bench-e2e';

/** Completed latency jobs are kept an hour (the scenario reads their timestamps back). */
const KEEP = { removeOnComplete: { count: 1_000_000, age: 3_600 } };

/**
 * `QueueProducer.enqueue()` alone (one Redis script per job): `POST /bench/enqueue` adds to a queue no
 * one processes (throughput of the add); `POST /bench/enqueue-e2e` adds to one a no-op processor completes
 * (bench/queue.mjs measures enqueue-to-completion latency at a fixed rate).
 */
@ApiExcludeController()
@SkipThrottle()
@Public()
@Controller('bench')
export class BenchQueueController {
  private n = 0;

  constructor(private readonly producer: QueueProducer) {}

  @Post('enqueue')
  @HttpCode(202)
  enqueue(): Promise<{ jobId: string }> {
    return this.producer.enqueue(BENCH_QUEUE, 'noop', { n: this.n++ });
  }

  @Post('enqueue-e2e')
  @HttpCode(202)
  enqueueE2e(): Promise<{ jobId: string }> {
    return this.producer.enqueue(BENCH_E2E_QUEUE, 'noop', { n: this.n++ }, { jobOptions: KEEP });
  }
}
