import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheModuleOptions } from './cache.types.js';

/** forRoot / forRootAsync for CacheModule (global: every feature injects CacheService). */
export const {
  ConfigurableModuleClass: CacheConfigurableModule,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<CacheModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
