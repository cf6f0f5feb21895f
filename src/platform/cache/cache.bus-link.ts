import { Logger } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import type { RedisConnection } from '../redis/index.js';

/** What the link reports to the bus. */
export interface BusLinkHandlers {
  /** Subscribed (first time or after a loss): the bus resynchronises before trusting L2 again. */
  up(): void;
  /** The subscription is gone: messages may be missed from now on. */
  down(): void;
  message(channel: string, payload: string): void;
}

/**
 * The bus's subscriber connection. Standalone and Sentinel: one connection from the RedisConnection
 * factory (plain SUBSCRIBE; Sentinel follows failovers). Cluster: SSUBSCRIBE on the master that owns
 * the bus slot, so SPUBLISH delivers synchronously and its reply counts every subscriber; the link
 * re-resolves the owner after a loss or a slot migration (`moved`).
 */
export class BusLink {
  private readonly logger = new Logger('CacheBus');
  private sub?: Redis;
  private stopped = false;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  /** True on Cluster: SPUBLISH / SSUBSCRIBE. */
  readonly sharded: boolean;

  constructor(
    private readonly connection: RedisConnection,
    private readonly channels: string[],
    private readonly handlers: BusLinkHandlers,
    private readonly maxDelayMs: number,
  ) {
    this.sharded = connection.client instanceof Cluster;
  }

  start(): void {
    if (this.sharded) void this.connectSharded();
    else this.connectPlain();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const sub = this.sub;
    this.sub = undefined;
    if (sub) await Promise.race([sub.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    sub?.disconnect();
  }

  private delay(): number {
    return Math.min(25 * 2 ** Math.min(this.attempt++, 8), this.maxDelayMs);
  }

  private connectPlain(): void {
    const sub = this.connection.factory.create('subscriber', {
      autoResubscribe: false,
      connectionName: 'cache-bus',
      retryStrategy: () => this.delay(),
    }) as Redis;
    this.sub = sub;
    sub.on('error', () => undefined);
    sub.on('close', () => {
      if (!this.stopped) this.handlers.down();
    });
    sub.on('message', (channel: string, payload: string) => this.handlers.message(channel, payload));
    sub.on('ready', () => {
      sub.subscribe(...this.channels).then(
        () => {
          this.attempt = 0;
          this.handlers.up();
        },
        // A connection that cannot subscribe is useless: drop it and let ioredis reconnect.
        () => sub.disconnect(true),
      );
    });
  }

  private async connectSharded(): Promise<void> {
    if (this.stopped) return;
    const cluster = this.connection.client as Cluster;
    let sub: Redis | undefined;
    try {
      if (cluster.status !== 'ready') throw new Error(`cluster client is ${cluster.status}`);
      const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', this.channels[0]!));
      const owner = cluster.slots[slot]?.[0];
      const node = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
      if (!node) throw new Error(`no master known for slot ${slot}`);
      sub = node.duplicate({
        lazyConnect: true,
        retryStrategy: () => null,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        autoResubscribe: false,
        enableAutoPipelining: false,
        commandTimeout: undefined,
        connectionName: 'cache-bus',
      });
      this.sub = sub;
      const current = sub;
      sub.on('error', () => undefined);
      sub.on('moved', () => current.disconnect());
      sub.on('smessage', (channel: string, payload: string) => this.handlers.message(channel, payload));
      sub.once('close', () => {
        if (this.sub !== current || this.stopped) return;
        this.sub = undefined;
        this.handlers.down();
        this.retrySharded();
      });
      await sub.connect();
      await sub.ssubscribe(...this.channels);
      this.attempt = 0;
      this.handlers.up();
    } catch (err) {
      this.logger.debug(`bus subscribe failed: ${(err as Error).message}`);
      if (sub && this.sub === sub) {
        this.sub = undefined;
        sub.disconnect();
      }
      this.retrySharded();
    }
  }

  private retrySharded(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connectSharded(), this.delay());
  }
}
