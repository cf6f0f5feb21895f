import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  KeyBuilder,
  REDIS_CLIENT,
  RedisConnection,
  type RedisClient,
  type Subscription,
} from '../redis/index.js';
import { PUBSUB_MODULE_OPTIONS } from './pubsub.module-definition.js';
import {
  TOPIC,
  type PubSubEnvelope,
  type PubSubHandler,
  type PubSubModuleOptions,
  type PubSubState,
} from './pubsub.types.js';

/** A topic name that is not a code constant of the expected form. */
export class PubSubTopicError extends Error {
  readonly code = 'PUBSUB_TOPIC_INVALID';
}

/**
 * Cross-instance messages over Redis pub/sub: one subscriber connection per instance, one SUBSCRIBE per
 * topic, and an in-memory fan-out to any number of local handlers (an SSE client is a handler, not a
 * Redis subscription). Delivery is at most once: a message published while an instance's subscription
 * is down is lost for that instance, so state kept from messages must also be resynchronised on
 * `onUp` (fired after every (re)subscription) or periodically.
 * @example
 * const off = pubsub.subscribe<FlagMessage>('flags', (msg) => this.apply(msg));
 * await pubsub.publish('flags', { name: 'checkout', version: 7 });
 */
@Injectable()
export class PubSubService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PubSub');
  /** This process's id, carried in every envelope (handlers may ignore their own messages). */
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly handlers = new Map<string, Set<PubSubHandler>>();
  private readonly upListeners = new Set<() => void>();
  private subscription?: Subscription;
  private readonly reconnectMaxDelayMs: number;
  private readonly published;
  private readonly received;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly connection: RedisConnection,
    private readonly keys: KeyBuilder,
    @Inject(PUBSUB_MODULE_OPTIONS) options: PubSubModuleOptions,
    @Optional() metrics?: MetricsService,
  ) {
    this.reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 2000;
    this.published = metrics?.counter({
      name: 'pubsub_messages_published_total',
      help: 'Messages published to Redis pub/sub, by topic',
      labelNames: ['topic'],
    });
    this.received = metrics?.counter({
      name: 'pubsub_messages_received_total',
      help: 'Messages received from Redis pub/sub, by topic',
      labelNames: ['topic'],
    });
    const isUp = () => this.up;
    metrics?.gauge({
      name: 'pubsub_subscribed',
      help: '1 while the instance subscriber connection is subscribed, else 0',
      collect() {
        this.set(isUp() ? 1 : 0);
      },
    });
  }

  /** Every topic's channel so far, on the instance's shared subscriber connection (SubscriberLink). */
  onModuleInit(): void {
    this.subscription = this.connection.subscriber.subscribe(
      [...this.handlers.keys()],
      {
        up: () => this.fireUp(),
        message: (channel, payload) => this.receive(channel, payload),
      },
      { reconnectMaxDelayMs: this.reconnectMaxDelayMs },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  private get up(): boolean {
    return this.subscription?.up === true;
  }

  /** `up` once every topic is subscribed on the current connection, `down` before and while it is lost. */
  get state(): PubSubState {
    return this.up ? 'up' : 'down';
  }

  /** The Redis channel of a topic: `{prefix}:pubsub:{topic}` (instances with another key prefix never meet). */
  channel(topic: string): string {
    if (!TOPIC.test(topic)) throw new PubSubTopicError(`invalid pub/sub topic: ${topic}`);
    return `${this.keys.prefix}:pubsub:${topic}`;
  }

  /**
   * Publishes `message` (JSON-serialisable) to every instance subscribed to `topic`, this one included.
   * One PUBLISH; resolves with the number of subscribers reached (on Cluster: those of the node that took
   * it, the others hear it over the cluster bus).
   * @throws when Redis does not take the PUBLISH (request-path client: fails fast).
   */
  async publish(topic: string, message: unknown): Promise<number> {
    const envelope: PubSubEnvelope = { o: this.instanceId, m: message };
    const receivers = await this.redis.publish(this.channel(topic), JSON.stringify(envelope));
    this.published?.inc({ topic });
    return receivers;
  }

  /**
   * Registers a local handler for `topic`; the first one SUBSCRIBEs the channel (kept for the process's
   * life). Returns the function that removes the handler.
   */
  subscribe<T = unknown>(topic: string, handler: PubSubHandler<T>): () => void {
    const channel = this.channel(topic);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      void this.subscription?.add(channel);
    }
    set.add(handler as PubSubHandler);
    return () => set.delete(handler as PubSubHandler);
  }

  /** Number of local handlers of a topic (the SSE client count of `events`). */
  listeners(topic: string): number {
    return this.handlers.get(this.channel(topic))?.size ?? 0;
  }

  /**
   * Calls `listener` after every (re)subscription, the first included: what was published while the
   * subscription was down is lost, so a listener reloads the state it keeps from messages.
   */
  onUp(listener: () => void): () => void {
    this.upListeners.add(listener);
    return () => this.upListeners.delete(listener);
  }

  /** Resolves true once subscribed, false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.onUp(() => {
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  private fireUp(): void {
    for (const listener of [...this.upListeners]) {
      try {
        listener();
      } catch (err) {
        this.logger.error(`an up listener failed: ${(err as Error).message}`);
      }
    }
  }

  private receive(channel: string, payload: string): void {
    const set = this.handlers.get(channel);
    if (!set || set.size === 0) return;
    let envelope: PubSubEnvelope;
    try {
      envelope = JSON.parse(payload) as PubSubEnvelope;
      if (typeof envelope?.o !== 'string') throw new Error('no origin');
    } catch {
      this.logger.warn(`dropped a malformed message on ${channel}`);
      return;
    }
    this.received?.inc({ topic: channel.slice(channel.lastIndexOf(':') + 1) });
    for (const handler of [...set]) {
      try {
        handler(envelope.m, envelope.o);
      } catch (err) {
        this.logger.error(`a handler of ${channel} failed: ${(err as Error).message}`);
      }
    }
  }
}
