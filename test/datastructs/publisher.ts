// An in-process EventsPublisher on the apps' Redis and key prefix: what BookingsService or
// PaymentsService will be, publishing from a process other than the one that streams.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { redisOptionsFromEnv } from '../../src/config/app.config.js';
import { EventsPublisher, PubSubModule, PubSubService } from '../../src/platform/pubsub/index.js';
import { RedisModule } from '../../src/platform/redis/index.js';

/** A running publisher process stand-in. */
export interface Publisher {
  events: EventsPublisher;
  pubsub: PubSubService;
  close(): Promise<void>;
}

/** Boots RedisModule + PubSubModule (no HTTP) on `env`'s Redis with key prefix `prefix`. */
export async function startPublisher(env: Record<string, string>, prefix: string): Promise<Publisher> {
  const options = redisOptionsFromEnv({ ...env, REDIS_KEY_PREFIX: prefix });
  @Module({ imports: [RedisModule.forRoot(options), PubSubModule.forRoot({})] })
  class PublisherModule {}
  const app = await NestFactory.createApplicationContext(PublisherModule, { logger: false });
  return { events: app.get(EventsPublisher), pubsub: app.get(PubSubService), close: () => app.close() };
}
