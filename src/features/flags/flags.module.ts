import { Module } from '@nestjs/common';
import { FlagsController } from './flags.controller.js';

/** The flags API over FlagsService (FlagsModule and PubSubModule are global, imported by AppModule). */
@Module({ controllers: [FlagsController] })
export class FeatureFlagsModule {}
