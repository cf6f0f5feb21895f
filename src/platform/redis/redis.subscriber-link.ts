import { Logger } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import type { RedisConnectionFactory } from './redis.connection-factory.js';
import type { RedisClient } from './redis.types.js';

/** What a subscription reports to its owner. */
export interface SubscriptionHandlers {
  /** Every channel of the subscription is subscribed (first time or after a loss). */
  up?(): void;
  /** The subscription is gone: messages are missed until the next `up`. */
  down?(): void;
  message(channel: string, payload: string): void;
}

/** Options of {@link SubscriberLink.subscribe}. */
export interface SubscribeOptions {
  /**
   * On Cluster, SSUBSCRIBE (publish with SPUBLISH: delivered by the shard that owns the channel, and
   * its reply counts every subscriber). All sharded channels of an instance must share one hash slot
   * (use a hash tag). Elsewhere plain SUBSCRIBE.
   */
  sharded?: boolean;
  /** Cap of the reconnect backoff this owner accepts; the link uses the smallest cap asked for. */
  reconnectMaxDelayMs?: number;
}

/** One owner's channels on the instance's subscriber connection. */
export interface Subscription {
  /** Every channel of this subscription is subscribed on the current connection. */
  readonly up: boolean;
  /** True when the channels are sharded (Cluster + `sharded`): publish with SPUBLISH. */
  readonly sharded: boolean;
  /** Adds a channel: subscribed now when the link is up, else with the others on the next connection. */
  add(channel: string): Promise<void>;
  /** Resolves true once up, false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
  /** Stops delivering to this owner; the last one to close closes the connection. */
  close(): Promise<void>;
}

class Sub implements Subscription {
  isUp = false;
  readonly channels = new Set<string>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly link: SubscriberLink,
    readonly handlers: SubscriptionHandlers,
    readonly sharded: boolean,
    readonly maxDelayMs: number,
  ) {}

  get up(): boolean {
    return this.isUp;
  }

  add(channel: string): Promise<void> {
    return this.link.addChannel(this, channel);
  }

  ready(timeoutMs: number): Promise<boolean> {
    if (this.isUp) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(onUp);
        resolve(ok);
      };
      const onUp = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(onUp);
    });
  }

  close(): Promise<void> {
    return this.link.remove(this);
  }

  setUp(): void {
    if (this.isUp) return;
    this.isUp = true;
    for (const waiter of [...this.waiters]) waiter();
    this.handlers.up?.();
  }

  setDown(): void {
    if (!this.isUp) return;
    this.isUp = false;
    this.handlers.down?.();
  }
}

/**
 * The instance's one Redis subscriber connection, shared by every module that listens (cache bus,
 * pub/sub, lock notifications): each registers its channels and handlers with `subscribe()`.
 *
 * Standalone and Sentinel: a 'subscriber' connection from the factory (it reconnects for ever and follows
 * Sentinel failovers); SUBSCRIBE is sent again on every `ready`. Cluster: one connection to the master
 * that owns the sharded channels' slot (any node when there are none: PUBLISH reaches every node), not
 * retried by ioredis: when it closes the link re-resolves the owner and connects again with backoff.
 * Each attempt has a generation; events of an older one are ignored, so a late `close` of a replaced
 * connection can neither report a loss nor start a second chain. Owners hear `up` only once their
 * channels are subscribed, so they can resynchronise what they may have missed while down.
 */
export class SubscriberLink {
  private readonly logger = new Logger('SubscriberLink');
  private readonly subs = new Set<Sub>();
  private readonly byChannel = new Map<string, Set<Sub>>();
  private conn?: Redis;
  /** The connection answered SUBSCRIBE for every channel known when it connected. */
  private connUp = false;
  private connSharded = false;
  private running = false;
  private attempt = 0;
  private gen = 0;
  private node = 0;
  private timer?: NodeJS.Timeout;
  /** What was last logged, so a flapping connection logs once per change, not per retry. */
  private reported?: 'up' | 'down';
  /** True on Cluster. */
  readonly clustered: boolean;

  constructor(
    private readonly factory: RedisConnectionFactory,
    private readonly client: RedisClient,
  ) {
    this.clustered = client instanceof Cluster;
  }

  /** Subscribes `channels` for one owner; the connection opens with the first subscription. */
  subscribe(
    channels: string[],
    handlers: SubscriptionHandlers,
    options: SubscribeOptions = {},
  ): Subscription {
    const sub = new Sub(
      this,
      handlers,
      this.clustered && options.sharded === true,
      options.reconnectMaxDelayMs ?? 500,
    );
    this.subs.add(sub);
    for (const channel of channels) this.index(sub, channel);
    if (!this.running) this.start();
    else if (sub.sharded && !this.connSharded) this.reconnectNow();
    else if (this.connUp && this.conn) void this.subscribeOne(this.conn, sub, [...sub.channels]);
    return sub;
  }

  /** Subscriber connections open (0 or 1): for tests and metrics. */
  get connections(): number {
    return this.conn ? 1 : 0;
  }

  /** Closes the connection; subscriptions are dropped. */
  async stop(): Promise<void> {
    this.running = false;
    this.gen++;
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = undefined;
    this.connUp = false;
    // Shutting down is not a loss: owners are not told `down`.
    for (const sub of this.subs) sub.isUp = false;
    if (!conn) return;
    await Promise.race([conn.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    conn.disconnect();
  }

  /** @internal */
  async addChannel(sub: Sub, channel: string): Promise<void> {
    if (sub.channels.has(channel)) return;
    this.index(sub, channel);
    const conn = this.conn;
    if (conn && this.connUp) await this.subscribeOne(conn, sub, [channel]);
  }

  /** @internal */
  async remove(sub: Sub): Promise<void> {
    if (!this.subs.delete(sub)) return;
    for (const channel of sub.channels) {
      const owners = this.byChannel.get(channel);
      owners?.delete(sub);
      if (owners?.size === 0) this.byChannel.delete(channel);
    }
    if (this.subs.size === 0) await this.stop();
  }

  private index(sub: Sub, channel: string): void {
    sub.channels.add(channel);
    let owners = this.byChannel.get(channel);
    if (!owners) this.byChannel.set(channel, (owners = new Set()));
    owners.add(sub);
  }

  private deliver(channel: string, payload: string): void {
    for (const sub of this.byChannel.get(channel) ?? []) sub.handlers.message(channel, payload);
  }

  private delay(): number {
    let cap = Number.POSITIVE_INFINITY;
    for (const sub of this.subs) cap = Math.min(cap, sub.maxDelayMs);
    return Math.min(25 * 2 ** Math.min(this.attempt++, 8), Number.isFinite(cap) ? cap : 500);
  }

  private start(): void {
    this.running = true;
    if (this.clustered) {
      // Next tick: the subscriptions of one module-init phase share the first attempt.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.connectNode(), 0);
    } else this.connectPlain();
  }

  /** A sharded owner arrived while connected to a node that may not own its slot: move now. */
  private reconnectNow(): void {
    if (!this.conn && !this.connUp) return; // an attempt is pending: it will see the sharded channels
    this.attempt = 0;
    this.failed(this.gen, this.conn);
  }

  private split(channels: Iterable<string>, sub?: Sub): { plain: string[]; sharded: string[] } {
    const plain: string[] = [];
    const sharded: string[] = [];
    for (const channel of channels) {
      const isSharded = sub ? sub.sharded : [...(this.byChannel.get(channel) ?? [])].some((s) => s.sharded);
      (isSharded ? sharded : plain).push(channel);
    }
    return { plain, sharded };
  }

  private async subscribeChannels(conn: Redis, channels: Iterable<string>, sub?: Sub): Promise<void> {
    const { plain, sharded } = this.split(channels, sub);
    if (plain.length) await conn.subscribe(...plain);
    if (sharded.length) await conn.ssubscribe(...sharded);
  }

  /** Subscribes a late owner's channels on the live connection; a failure drops the connection. */
  private async subscribeOne(conn: Redis, sub: Sub, channels: string[]): Promise<void> {
    try {
      await this.subscribeChannels(conn, channels, sub);
      if (this.conn === conn && this.connUp) sub.setUp();
    } catch {
      // A connection that cannot subscribe is useless: drop it; the reconnect subscribes everything.
      if (this.conn === conn) {
        if (this.clustered) this.failed(this.gen, conn);
        else conn.disconnect(true);
      }
    }
  }

  /** SUBSCRIBEs every channel, including any added while an earlier SUBSCRIBE was in flight. */
  private async subscribeAll(conn: Redis): Promise<void> {
    const done = new Set<string>();
    for (;;) {
      const pending = [...this.byChannel.keys()].filter((c) => !done.has(c));
      if (pending.length === 0) break;
      await this.subscribeChannels(conn, pending);
      for (const c of pending) done.add(c);
    }
    this.attempt = 0;
    this.connUp = true;
    if (this.reported !== 'up') this.logger.log(`subscribed (${done.size} channel(s))`);
    this.reported = 'up';
    for (const sub of this.subs) sub.setUp();
  }

  private lost(): void {
    this.connUp = false;
    if (this.reported === 'up') this.logger.warn('subscription lost: messages are missed until it is back');
    this.reported = 'down';
    for (const sub of this.subs) sub.setDown();
  }

  private connectPlain(): void {
    const gen = ++this.gen;
    const conn = this.factory.create('subscriber', {
      autoResubscribe: false,
      connectionName: 'nest-redis-platform-subscriber',
      retryStrategy: () => this.delay(),
    }) as Redis;
    this.conn = conn;
    conn.on('error', () => undefined);
    conn.on('close', () => {
      if (gen === this.gen) this.lost();
    });
    conn.on('message', (channel: string, payload: string) => this.deliver(channel, payload));
    conn.on('ready', () => {
      this.subscribeAll(conn).catch(() => conn.disconnect(true));
    });
  }

  /** The node to connect to: the owner of the sharded channels' slot, else the next node of the pool. */
  private async pickNode(
    cluster: Cluster,
  ): Promise<{ host: string; port: number; template: Redis; sharded: boolean }> {
    const nodes = cluster.nodes('all');
    if (nodes.length === 0) throw new Error(`cluster client is ${cluster.status}, no node known`);
    const sharded = this.split(this.byChannel.keys()).sharded;
    if (sharded.length === 0) {
      const node = nodes[this.node++ % nodes.length]!;
      return { host: node.options.host!, port: node.options.port!, template: node, sharded: false };
    }
    if (cluster.status !== 'ready') throw new Error(`cluster client is ${cluster.status}`);
    const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', sharded[0]!));
    const owner = cluster.slots[slot]?.[0];
    if (!owner) throw new Error(`no node known for slot ${slot}`);
    const sep = owner.lastIndexOf(':');
    return {
      host: owner.slice(0, sep),
      port: Number(owner.slice(sep + 1)),
      template: nodes[0]!,
      sharded: true,
    };
  }

  private async connectNode(): Promise<void> {
    if (!this.running) return;
    const gen = ++this.gen;
    const cluster = this.client as Cluster;
    let conn: Redis | undefined;
    try {
      const { host, port, template, sharded } = await this.pickNode(cluster);
      if (gen !== this.gen || !this.running) return;
      // Any pooled node lends its options (credentials, TLS); this link does its own retrying.
      const current = template.duplicate({
        host,
        port,
        lazyConnect: true,
        retryStrategy: () => null,
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        autoResubscribe: false,
        enableAutoPipelining: false,
        commandTimeout: undefined,
        connectionName: 'nest-redis-platform-subscriber',
      });
      conn = current;
      this.conn = current;
      // A sharded owner that arrives after this point finds the flag false and moves the connection.
      this.connSharded = sharded;
      current.on('error', () => undefined);
      current.on('message', (channel: string, payload: string) => {
        if (gen === this.gen) this.deliver(channel, payload);
      });
      current.on('smessage', (channel: string, payload: string) => {
        if (gen === this.gen) this.deliver(channel, payload);
      });
      current.once('close', () => this.failed(gen, current));
      await current.connect();
      if (gen !== this.gen || !this.running) return void current.disconnect();
      await this.subscribeAll(current);
      if (gen !== this.gen || !this.running) current.disconnect();
    } catch (err) {
      this.logger.debug(`subscribe failed: ${(err as Error).message}`);
      this.failed(gen, conn);
    }
  }

  /** Ends generation `gen` once (Cluster): every owner is down, and the next attempt is scheduled. */
  private failed(gen: number, conn?: Redis): void {
    if (gen !== this.gen || !this.running) return;
    this.gen++;
    if (conn && this.conn === conn) this.conn = undefined;
    conn?.disconnect();
    this.lost();
    // The slot may have moved (failover, resharding): learn the owner before the next attempt.
    (this.client as Cluster).refreshSlotsCache?.();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connectNode(), this.delay());
  }
}
