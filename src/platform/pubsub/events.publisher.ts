import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PubSubService } from './pubsub.service.js';

/** The pub/sub topic of application events (what `GET /events` streams). */
export const APP_EVENTS_TOPIC = 'events';

/** The event types `GET /events` streams; `data` is the JSON of the object the event is about. */
export const APP_EVENT_TYPES = ['booking.created', 'payment.created', 'flag.changed'] as const;

/** One of {@link APP_EVENT_TYPES}. */
export type AppEventType = (typeof APP_EVENT_TYPES)[number];

/** An application event as it travels between instances. */
export interface AppEvent<T = unknown> {
  /** Unique id (the SSE `id:` field). */
  id: string;
  type: AppEventType;
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
export class EventsPublisher {
  private readonly logger = new Logger('Events');
  private failing = false;

  constructor(private readonly pubsub: PubSubService) {}

  /**
   * Publishes one event; resolves with its id.
   * @throws when Redis does not take the PUBLISH.
   */
  async publish<T>(type: AppEventType, data: T): Promise<string> {
    const event: AppEvent<T> = { id: randomUUID(), type, at: new Date().toISOString(), data };
    await this.pubsub.publish(APP_EVENTS_TOPIC, event);
    return event.id;
  }

  /** Publishes without waiting and never throws: a failure is logged once until publishing works again. */
  publishSafely<T>(type: AppEventType, data: T): void {
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
