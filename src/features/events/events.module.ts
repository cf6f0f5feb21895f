import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { datastructsConfig } from '../../config/app.config.js';
import { EventsController } from './events.controller.js';
import { EventsHub } from './events.hub.js';

/**
 * GET /events (Server-Sent Events). Events are published with EventsPublisher from PubSubModule
 * (global), by any feature on any instance.
 */
@Module({
  imports: [ConfigModule.forFeature(datastructsConfig)],
  controllers: [EventsController],
  providers: [EventsHub],
})
export class EventsModule {}
