import { Module } from '@nestjs/common';
import { FLAGS_MODULE_OPTIONS, FlagsConfigurableModule } from './flags.module-definition.js';
import { FlagsService } from './flags.service.js';

/**
 * Feature flags in memory on every instance, kept in step through Redis (needs RedisModule and
 * PubSubModule).
 * @example
 * FlagsModule.forRootAsync({ inject: [datastructsConfig.KEY], useFactory: (c) => ({ resyncIntervalMs: c.flagsResyncIntervalMs }) })
 */
@Module({
  providers: [FlagsService],
  exports: [FlagsService, FLAGS_MODULE_OPTIONS],
})
export class FlagsModule extends FlagsConfigurableModule {}
