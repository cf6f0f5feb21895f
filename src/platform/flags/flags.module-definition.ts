import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FlagsModuleOptions } from './flags.types.js';

/** forRoot / forRootAsync for FlagsModule (global by default: any feature may ask a flag). */
export const {
  ConfigurableModuleClass: FlagsConfigurableModule,
  MODULE_OPTIONS_TOKEN: FLAGS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<FlagsModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
