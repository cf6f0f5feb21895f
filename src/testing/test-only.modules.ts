import { Module, type Type } from '@nestjs/common';
import { RateLimitProbeController } from './rate-limit-probe.controller.js';

/** The rate-limit probe routes (`/rate-limit/probe/*`). */
@Module({ controllers: [RateLimitProbeController] })
export class RateLimitProbeModule {}

/**
 * The test-only modules the app imports: none unless NODE_ENV=test (production refuses their switches at
 * boot, see ../config/settings.ts), then those whose switch is on. Read from the raw environment, as the
 * app module is defined before main.ts validates it.
 */
export function testOnlyModules(env: Record<string, string | undefined> = process.env): Type[] {
  if (env.NODE_ENV !== 'test') return [];
  return env.RATE_LIMIT_PROBE_ROUTES === '1' ? [RateLimitProbeModule] : [];
}
