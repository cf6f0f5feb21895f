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
  private gen = 0;
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

  /**
   * One attempt at a time: each gets a generation, and events of an older generation are ignored, so
   * a late `close` of a replaced connection can neither report the bus down nor start a second chain.
   */
  private async connectSharded(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.gen;
    const cluster = this.connection.client as Cluster;
    let sub: Redis | undefined;
    try {
      if (cluster.status !== 'ready') throw new Error(`cluster client is ${cluster.status}`);
      const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', this.channels[0]!));
      // The slot map names the owner; any pooled node lends its options (credentials, TLS).
      const owner = cluster.slots[slot]?.[0];
      const template = cluster.nodes('all')[0];
      if (!owner || !template) throw new Error(`no node known for slot ${slot}`);
      const sep = owner.lastIndexOf(':');
      const current = template.duplicate({
        host: owner.slice(0, sep),
        port: Number(owner.slice(sep + 1)),
        lazyConnect: true,
        retryStrategy: () => null,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        autoResubscribe: false,
        enableAutoPipelining: false,
        commandTimeout: undefined,
        connectionName: 'cache-bus',
      });
      sub = current;
      this.sub = current;
      current.on('error', () => undefined);
      current.on('moved', () => {
        // The slot moved (failover, resharding): learn the new owner, then reconnect to it.
        cluster.refreshSlotsCache();
        current.disconnect();
      });
      current.on('smessage', (channel: string, payload: string) => {
        if (gen === this.gen) this.handlers.message(channel, payload);
      });
      current.once('close', () => this.failed(gen, current));
      await current.connect();
      await current.ssubscribe(...this.channels);
      if (gen !== this.gen || this.stopped) return void current.disconnect();
      this.attempt = 0;
      this.handlers.up();
    } catch (err) {
      this.logger.debug(`bus subscribe failed: ${(err as Error).message}`);
      this.failed(gen, sub);
    }
  }

  /** Ends generation `gen` (once): the bus is down, and the next attempt is scheduled. */
  private failed(gen: number, sub?: Redis): void {
    if (gen !== this.gen || this.stopped) return;
    this.gen++;
    if (sub && this.sub === sub) this.sub = undefined;
    sub?.disconnect();
    this.handlers.down();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connectSharded(), this.delay());
  }
}
