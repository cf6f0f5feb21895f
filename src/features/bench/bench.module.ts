import { Module } from '@nestjs/common';
import { BenchCachedController } from './bench-cached.controller.js';
import { BenchIdempotentController } from './bench-idempotent.controller.js';
import { BenchPlainController } from './bench-plain.controller.js';
import { BenchLockedController } from './bench-locked.controller.js';
import { BenchThrottledController } from './bench-throttled.controller.js';

/**
 * Routes for `npm run bench`, mounted only with BENCH_ROUTES=1; each is guarded only by its own
 * decorator so a scenario measures exactly one platform feature.
 */
@Module({
  controllers: [
    BenchPlainController,
    BenchIdempotentController,
    BenchLockedController,
    BenchThrottledController,
    BenchCachedController,
  ],
})
export class BenchModule {}
