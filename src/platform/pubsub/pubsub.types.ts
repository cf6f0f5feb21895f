/** Options of PubSubModule.forRoot / forRootAsync. */
export interface PubSubModuleOptions {
  /** Longest pause between two attempts to re-establish the subscription (default 2000 ms). */
  reconnectMaxDelayMs?: number;
}

/** Receives one topic's messages (already JSON-decoded); `origin` is the publishing instance's id. */
export type PubSubHandler<T = unknown> = (message: T, origin: string) => void;

/** The subscription state: `up` once every topic is subscribed on the current connection. */
export type PubSubState = 'down' | 'up';

/** What goes over the wire: the publisher's id and the JSON message. */
export interface PubSubEnvelope {
  /** Origin instance id. */
  o: string;
  /** The message. */
  m: unknown;
}

/** Topic names are code constants, never user input: they become part of a channel name. */
export const TOPIC = /^[a-z][a-z0-9.-]{0,63}$/;
