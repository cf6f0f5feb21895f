import { Module } from '@nestjs/common';
import { EventsPublisher } from './events.publisher.js';
import { PUBSUB_MODULE_OPTIONS, PubSubConfigurableModule } from './pubsub.module-definition.js';
import { PubSubService } from './pubsub.service.js';

/**
 * Cross-instance pub/sub (one subscriber connection per instance, in-memory fan-out) and the
 * EventsPublisher of application events. Global by default; needs RedisModule.
 * @example
 * PubSubModule.forRoot({})
 */
@Module({
  providers: [PubSubService, EventsPublisher],
  exports: [PubSubService, EventsPublisher, PUBSUB_MODULE_OPTIONS],
})
export class PubSubModule extends PubSubConfigurableModule {}
