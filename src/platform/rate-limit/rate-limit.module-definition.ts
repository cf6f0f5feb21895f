import { ConfigurableModuleBuilder } from '@nestjs/common';
import { RateLimitProbeController } from './rate-limit.probe.controller.js';
import type { RateLimitModuleOptions } from './rate-limit.types.js';

/**
 * forRoot / forRootAsync for RateLimitModule, global (the guard is global and @nestjs/throttler's module
 * reads these options). Extra `probeRoutes` mounts the test-only probe controller
 * (`RATE_LIMIT_PROBE_ROUTES=1`): decided when the module is defined, as controllers cannot be async.
 */
export const {
  ConfigurableModuleClass: RateLimitConfigurableModule,
  MODULE_OPTIONS_TOKEN: RATE_LIMIT_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<RateLimitModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ probeRoutes: false }, (definition, extras) => ({
    ...definition,
    global: true,
    controllers: [
      ...(definition.controllers ?? []),
      ...(extras.probeRoutes ? [RateLimitProbeController] : []),
    ],
  }))
  .build();
