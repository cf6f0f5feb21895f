import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PubSubService } from './pubsub.service.js';

/** The pub/sub topic of application events (what `GET /events` streams). */
export const APP_EVENTS_TOPIC = 'events';

/**
 * An application event as it travels between instances. The platform knows no event type: the app
 * declares its own (`Type`) and publishes with them; `data` is the JSON of the object the event is about.
 */
export interface AppEvent<T = unknown, Type extends string = string> {
  /** Unique id (the SSE `id:` field). */
  id: string;
  /** A code constant of the app (`booking.created`), never user input: it becomes the SSE `event:` field. */
  type: Type;
  /** When it was published (ISO 8601, the publisher's clock). */
  at: string;
  data: T;
}

/**
 * Publishes application events to every instance (Redis pub/sub, topic `events`); each instance streams
 * them to its own SSE clients. At most once: an event is for live listeners, not a durable log.
 * @example
 * // in BookingsService, after the booking's transaction has committed:
 * await this.events.publish('booking.created', booking);
 * // or, when a lost notification must not fail the request:
 * this.events.publishSafely('payment.created', payment);
 */
@Injectable()
export class EventsPublisher<Type extends string = string> {
  private readonly logger = new Logger('Events');
  private failing = false;

  constructor(private readonly pubsub: PubSubService) {}

  /**
   * Publishes one event; resolves with its id.
   * @throws when Redis does not take the PUBLISH.
   */
  async publish<T>(type: Type, data: T): Promise<string> {
    const event: AppEvent<T, Type> = { id: randomUUID(), type, at: new Date().toISOString(), data };
    await this.pubsub.publish(APP_EVENTS_TOPIC, event);
    return event.id;
  }

  /** Publishes without waiting and never throws: a failure is logged once until publishing works again. */
  publishSafely<T>(type: Type, data: T): void {
    this.publish(type, data).then(
      () => {
        if (this.failing) this.logger.log('events are published again');
        this.failing = false;
      },
      (err: Error) => {
        if (!this.failing) this.logger.warn(`events are not published (Redis): ${err.message}`);
        this.failing = true;
      },
    );
  }
}
