import type { Job } from 'bullmq';
import { QueueProcessor, type JobProcessor } from '../../platform/queue/index.js';
import { BENCH_E2E_QUEUE } from './bench-queue.controller.js';

/** Completes each job at once: what remains of end-to-end latency is the queue's own. */
@QueueProcessor({ queue: BENCH_E2E_QUEUE })
export class BenchQueueProcessor implements JobProcessor<{ n: number }, { ok: true }> {
  process(_job: Job<{ n: number }, { ok: true }>): Promise<{ ok: true }> {
    return Promise.resolve({ ok: true });
  }
}
