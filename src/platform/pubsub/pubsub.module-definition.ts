import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PubSubModuleOptions } from './pubsub.types.js';

/** forRoot / forRootAsync for PubSubModule, global so every module can publish and subscribe. */
export const {
  ConfigurableModuleClass: PubSubConfigurableModule,
  MODULE_OPTIONS_TOKEN: PUBSUB_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<PubSubModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
