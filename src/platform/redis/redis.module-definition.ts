import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RedisModuleOptions } from './redis.types.js';

/** forRoot / forRootAsync for RedisModule, global so every platform module can inject the client. */
export const {
  ConfigurableModuleClass: RedisConfigurableModule,
  MODULE_OPTIONS_TOKEN: REDIS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<RedisModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
