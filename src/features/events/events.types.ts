import type { AppEvent } from '../../platform/pubsub/index.js';

/**
 * The application's event types, which `GET /events` streams: the app's configuration, not the
 * platform's (EventsPublisher publishes whatever type it is given).
 */
export const APP_EVENT_TYPES = ['booking.created', 'payment.created', 'flag.changed'] as const;

/** One of {@link APP_EVENT_TYPES}. */
export type AppEventType = (typeof APP_EVENT_TYPES)[number];

/** An event of this application. */
export type AppEventOf<T = unknown> = AppEvent<T, AppEventType>;
