import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CountersModuleOptions } from './counters.types.js';

/** forRoot / forRootAsync for CountersModule. */
export const {
  ConfigurableModuleClass: CountersConfigurableModule,
  MODULE_OPTIONS_TOKEN: COUNTERS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<CountersModuleOptions>().setClassMethodName('forRoot').build();
