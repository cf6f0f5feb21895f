import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LockModuleOptions } from './lock.types.js';

/** forRoot / forRootAsync for LockModule, global so `@WithLock` works in every feature module. */
export const { ConfigurableModuleClass: LockConfigurableModule, MODULE_OPTIONS_TOKEN: LOCK_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<LockModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
