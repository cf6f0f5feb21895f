import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { EmbeddedRedis } from './embedded-redis.js';
import { findLuaScripts, LuaScripts, PLATFORM_DIR } from './lua-scripts.js';
import { RedisConnectionFactory } from './redis.connection-factory.js';
import { SubscriberLink } from './redis.subscriber-link.js';
import type { ConnectionPurpose, RedisClient, RedisModuleOptions } from './redis.types.js';

type State = 'connecting' | 'ready' | 'down' | 'closed';

/**
 * Owns the request-path client, the embedded server (when there is one), and every extra connection
 * handed out by `create()`: one place logs state changes (once per change, not per retry) and closes
 * everything on shutdown, after the HTTP server has drained.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly owned = new Set<RedisClient>();
  private state: State = 'connecting';
  private lastError?: string;
  /** The fail-fast request-path client. */
  client!: RedisClient;
  /** The Lua scripts registered on `client`. */
  scripts!: LuaScripts;
  factory!: RedisConnectionFactory;
  private embedded?: EmbeddedRedis;
  private link?: SubscriberLink;

  /** Connects (starting the embedded server first in `embedded` mode) and waits for `ready`, bounded. */
  async init(options: RedisModuleOptions): Promise<void> {
    let resolved = options;
    if (options.mode === 'embedded') {
      this.embedded = new EmbeddedRedis(options.embeddedDir ?? '.data/redis');
      resolved = { ...options, mode: 'standalone', url: await this.embedded.start() };
    }
    this.factory = new RedisConnectionFactory(resolved);
    this.client = this.track(this.factory.create('request'), 'request');
    this.scripts = new LuaScripts(this.client, findLuaScripts([PLATFORM_DIR, ...(options.scriptDirs ?? [])]));
    await this.waitForFirstState(5000);
  }

  /** Current state of the request-path connection. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** The instance's one subscriber connection, shared by every listening module (opened on first use). */
  get subscriber(): SubscriberLink {
    return (this.link ??= new SubscriberLink(this.factory, this.client));
  }

  /** A new connection for `purpose`, closed with the module. */
  create(purpose: ConnectionPurpose): RedisClient {
    return this.track(this.factory.create(purpose), purpose);
  }

  private track(client: RedisClient, purpose: ConnectionPurpose): RedisClient {
    this.owned.add(client);
    client.once('end', () => this.owned.delete(client));
    if (purpose === 'request') {
      client.on('ready', () => this.transition('ready'));
      client.on('close', () => this.transition('down'));
      client.on('error', (err: Error) => {
        this.lastError = err.message;
        if (this.state !== 'down') this.transition('down');
      });
    } else {
      // Other connections log nothing per retry; their owners report their own state.
      client.on('error', () => undefined);
    }
    return client;
  }

  private transition(next: State): void {
    if (this.state === next || this.state === 'closed') return;
    this.state = next;
    if (next === 'ready') this.logger.log(`connected to ${this.factory.describe()}`);
    else if (next === 'down') {
      this.logger.warn(
        `connection to ${this.factory.describe()} lost${this.lastError ? `: ${this.lastError}` : ''}`,
      );
    }
  }

  private waitForFirstState(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        this.client.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      // Boot never fails on a dead Redis: /health/ready reports it and the client keeps reconnecting.
      this.client.once('ready', done);
      this.client.once('error', done);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.state = 'closed';
    await this.link?.stop();
    await Promise.allSettled(
      [...this.owned].map(async (c) => {
        try {
          await Promise.race([c.quit(), new Promise((r) => setTimeout(r, 1000))]);
        } finally {
          c.disconnect();
        }
      }),
    );
    await this.embedded?.stop();
  }
}
