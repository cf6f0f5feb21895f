import { Logger } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import type { RedisConnection } from '../redis/index.js';

/** What the link reports to the service. */
export interface PubSubLinkHandlers {
  /** Every channel is subscribed (first time or after a loss): messages published before may be missed. */
  up(): void;
  /** The subscription is gone: messages are missed until the next `up`. */
  down(): void;
  message(channel: string, payload: string): void;
}

/**
 * The instance's one subscriber connection, plain SUBSCRIBE on every topology (PUBLISH reaches every node
 * of a Cluster, replicas included, so any node will do).
 *
 * Standalone and Sentinel: a 'subscriber' connection from RedisConnection (it reconnects for ever and
 * follows Sentinel failovers). Cluster: a connection to one node of the request client's pool, not
 * retried: when it closes, the next node in the pool is tried, with backoff. ioredis' own cluster
 * subscriber re-subscribes silently and says nothing when that fails; this link reports `up` only once
 * SUBSCRIBE has answered, so its users can resynchronise what they may have missed.
 */
export class PubSubLink {
  private readonly logger = new Logger('PubSub');
  private readonly channels = new Set<string>();
  private sub?: Redis;
  private isUp = false;
  private stopped = false;
  private attempt = 0;
  private gen = 0;
  private node = 0;
  private timer?: NodeJS.Timeout;
  /** True on Cluster (a node connection chosen from the pool). */
  readonly clustered: boolean;

  constructor(
    private readonly connection: RedisConnection,
    private readonly handlers: PubSubLinkHandlers,
    private readonly maxDelayMs: number,
  ) {
    this.clustered = connection.client instanceof Cluster;
  }

  /** Subscribed on the current connection. */
  get up(): boolean {
    return this.isUp;
  }

  start(): void {
    if (this.clustered) void this.connectNode();
    else this.connectPlain();
  }

  /** Adds a channel: subscribed now when the link is up, else with the others on the next connection. */
  async add(channel: string): Promise<void> {
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    const sub = this.sub;
    if (!sub || !this.isUp) return;
    try {
      await sub.subscribe(channel);
    } catch {
      // A connection that cannot subscribe is useless: drop it; the reconnect subscribes everything.
      sub.disconnect(!this.clustered);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const sub = this.sub;
    this.sub = undefined;
    this.isUp = false;
    if (!sub) return;
    await Promise.race([sub.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    sub.disconnect();
  }

  private delay(): number {
    return Math.min(25 * 2 ** Math.min(this.attempt++, 8), this.maxDelayMs);
  }

  private setUp(): void {
    this.attempt = 0;
    if (this.isUp) return;
    this.isUp = true;
    this.logger.log(`subscribed (${this.channels.size} channel(s))`);
    this.handlers.up();
  }

  private setDown(): void {
    if (!this.isUp || this.stopped) return;
    this.isUp = false;
    this.logger.warn('subscription lost: messages are missed until it is back');
    this.handlers.down();
  }

  private connectPlain(): void {
    const sub = this.connection.create('subscriber') as Redis;
    this.sub = sub;
    sub.on('message', (channel: string, payload: string) => this.handlers.message(channel, payload));
    sub.on('close', () => this.setDown());
    sub.on('ready', () => {
      this.subscribeAll(sub).then(
        () => this.setUp(),
        () => sub.disconnect(true),
      );
    });
  }

  /** SUBSCRIBEs every channel, including any added while an earlier SUBSCRIBE was in flight. */
  private async subscribeAll(sub: Redis): Promise<void> {
    const done = new Set<string>();
    for (;;) {
      const pending = [...this.channels].filter((c) => !done.has(c));
      if (pending.length === 0) return;
      await sub.subscribe(...pending);
      for (const c of pending) done.add(c);
    }
  }

  /** One attempt at a time; events of an older generation are ignored (a late `close` of a replaced connection). */
  private async connectNode(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.gen;
    const cluster = this.connection.client as Cluster;
    let sub: Redis | undefined;
    try {
      const nodes = cluster.nodes('all');
      if (nodes.length === 0) throw new Error(`cluster client is ${cluster.status}, no node known`);
      const template = nodes[this.node++ % nodes.length]!;
      sub = template.duplicate({
        lazyConnect: true,
        retryStrategy: () => null,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        autoResubscribe: false,
        enableAutoPipelining: false,
        commandTimeout: undefined,
        connectionName: 'pubsub',
      });
      const current = sub;
      this.sub = current;
      current.on('error', () => undefined);
      current.on('message', (channel: string, payload: string) => {
        if (gen === this.gen) this.handlers.message(channel, payload);
      });
      current.once('close', () => this.failed(gen, current));
      await current.connect();
      await this.subscribeAll(current);
      if (gen !== this.gen || this.stopped) return void current.disconnect();
      this.setUp();
    } catch (err) {
      this.logger.debug(`subscribe failed: ${(err as Error).message}`);
      this.failed(gen, sub);
    }
  }

  /** Ends generation `gen` once: down, then the next node after a pause. */
  private failed(gen: number, sub?: Redis): void {
    if (gen !== this.gen || this.stopped) return;
    this.gen++;
    if (sub && this.sub === sub) this.sub = undefined;
    sub?.disconnect();
    this.setDown();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connectNode(), this.delay());
  }
}
