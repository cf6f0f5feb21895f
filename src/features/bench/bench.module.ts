import { Module } from '@nestjs/common';
import { BenchCachedController } from './bench-cached.controller.js';
import { BenchIdempotentController } from './bench-idempotent.controller.js';
import { BenchAuthedController } from './bench-authed.controller.js';
import { BenchPlainController } from './bench-plain.controller.js';
import { BenchLockedController } from './bench-locked.controller.js';
import { BenchThrottledController } from './bench-throttled.controller.js';
import { QueueModule } from '../../platform/queue/index.js';
import { BENCH_E2E_QUEUE, BENCH_QUEUE, BenchQueueController } from './bench-queue.controller.js';
import { BenchQueueProcessor } from './bench-queue.processor.js';
// --- end queue ---

/**
 * Routes for `npm run bench`, mounted only with BENCH_ROUTES=1; each is guarded only by its own
 * decorator so a scenario measures exactly one platform feature.
 */
@Module({
  controllers: [
    BenchPlainController,
    BenchAuthedController,
    BenchIdempotentController,
    BenchLockedController,
    BenchThrottledController,
    BenchCachedController,
    BenchQueueController,
  ],
  imports: [QueueModule.registerQueue(BENCH_QUEUE, BENCH_E2E_QUEUE)],
  providers: [BenchQueueProcessor],
})
export class BenchModule {}
