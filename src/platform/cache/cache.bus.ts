import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { RedisClient, RedisConnection, SubscriberLink, Subscription } from '../redis/index.js';
import { parseBusMessage, type BusMessage } from './cache.bus-message.js';
import type { CacheKeys } from './cache.keys.js';
import type { CacheStats } from './cache.stats.js';

/** Milliseconds since the Unix epoch with sub-millisecond precision (comparable across local processes). */
const wallClock = () => performance.timeOrigin + performance.now();

/** What the bus tells the engine. */
export interface BusListener {
  /** Drop these keys' L1 copies. */
  keys(keys: string[]): void;
  /** Tags moved to these versions. */
  tags(versions: Record<string, number>): void;
  /** The epoch moved: every entry written before is dead. */
  epoch(epoch: number): void;
  /** Another instance filled a key that requests here may be waiting for. */
  filled(key: string): void;
}

/** `up`: subscribed and in sync; otherwise L2 is not trusted and the cache runs on L1 and the source. */
export type BusState = 'down' | 'syncing' | 'up';

/**
 * Cross-instance invalidation with acknowledgements. A write publishes one message; PUBLISH (SPUBLISH on
 * Cluster) returns how many subscribers received it, and the write returns once that many instances
 * have applied it (each acks on the writer's own channel), or after `ackTimeoutMs`. So when a write's
 * response leaves instance A, instance B has already dropped its copy.
 *
 * Missed messages: an instance whose subscription was lost (or whose own write could not reach Redis)
 * moves the epoch (INCR) once it is back, before it trusts L2 again; every entry of an older epoch, in
 * every instance's L1 and in Redis, is dead. A value deleted during an outage is never served after it.
 */
export class CacheBus {
  private readonly logger = new Logger('CacheBus');
  readonly id = randomBytes(8).toString('hex');
  private readonly link: SubscriberLink;
  private subscription?: Subscription;
  /** Cluster: SPUBLISH / SSUBSCRIBE on the bus slot's shard, whose reply counts every subscriber. */
  private readonly sharded: boolean;
  private readonly ackChannel: string;
  private readonly waiting = new Map<string, { need: number; got: number; done: () => void }>();
  private seq = 0;
  private everUp = false;
  private retry?: NodeJS.Timeout;
  private readonly upWaiters = new Set<() => void>();
  state: BusState = 'down';
  epoch = 0;
  /** Something this instance wrote may not have reached Redis or the others: resync before trusting L2. */
  dirty = false;

  constructor(
    private readonly redis: RedisClient,
    connection: RedisConnection,
    private readonly keys: CacheKeys,
    private readonly listener: BusListener,
    private readonly stats: CacheStats,
    private readonly options: { ackTimeoutMs: number; reconnectMaxDelayMs: number },
  ) {
    this.ackChannel = keys.ackChannel(this.id);
    this.link = connection.subscriber;
    this.sharded = this.link.clustered;
  }

  /** Subscribes the bus and this instance's ack channel on the instance's shared subscriber connection. */
  start(): void {
    this.subscription ??= this.link.subscribe(
      [this.keys.channel, this.ackChannel],
      {
        up: () => void this.sync(),
        down: () => this.lost(),
        message: (channel, payload) => this.receive(channel, payload),
      },
      { sharded: true, reconnectMaxDelayMs: this.options.reconnectMaxDelayMs },
    );
  }

  async stop(): Promise<void> {
    clearTimeout(this.retry);
    await this.subscription?.close();
    this.subscription = undefined;
  }

  /** Resolves true once the bus is in sync, false after `timeoutMs` (boot never fails on Redis). */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.state === 'up') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.upWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.upWaiters.add(done);
    });
  }

  /** L2 may be read and written. */
  get trusted(): boolean {
    return this.state === 'up' && !this.dirty;
  }

  /** Records that a write did not fully land; the epoch moves as soon as Redis answers again. */
  markDirty(): void {
    this.dirty = true;
    if (this.state === 'up') this.scheduleSync(100);
  }

  /**
   * Publishes an invalidation and waits until every subscriber applied it, or `ackTimeoutMs`.
   * @throws when Redis does not accept the PUBLISH (the caller marks the cache dirty).
   */
  async publish(body: { k?: string[]; g?: Record<string, number>; e?: number }): Promise<void> {
    const id = `${this.id}.${++this.seq}`;
    const started = performance.now();
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const waiter = { need: Number.POSITIVE_INFINITY, got: 0, done };
    this.waiting.set(id, waiter);
    let timer: NodeJS.Timeout | undefined;
    try {
      const message: BusMessage = {
        t: body.e !== undefined ? 'epoch' : 'inv',
        id,
        f: this.id,
        ts: wallClock(),
        ...body,
      };
      waiter.need = await this.send(this.keys.channel, JSON.stringify(message));
      // 0 turns acknowledgements off: the write returns as soon as Redis took the message.
      if (this.options.ackTimeoutMs <= 0) return;
      if (waiter.got >= waiter.need) done();
      const acked = await Promise.race([
        all.then(() => true),
        new Promise<false>(
          (resolve) => (timer = setTimeout(() => resolve(false), this.options.ackTimeoutMs)),
        ),
      ]);
      if (acked) this.stats.ackLatency(performance.now() - started);
      else {
        this.stats.ackTimeout();
        this.logger.warn(`invalidation ${id}: ${waiter.got}/${waiter.need} instances acknowledged in time`);
      }
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }

  /** Tells waiting instances that `key` was filled (no acknowledgement; they also poll). */
  announceFill(key: string): void {
    const message: BusMessage = { t: 'fill', f: this.id, k: [key] };
    this.send(this.keys.channel, JSON.stringify(message)).catch(() => undefined);
  }

  private send(channel: string, payload: string): Promise<number> {
    // SPUBLISH replies with the receiver count like PUBLISH (its typing says unknown).
    return this.sharded
      ? (this.redis.spublish(channel, payload) as Promise<number>)
      : this.redis.publish(channel, payload);
  }

  private receive(channel: string, raw: string): void {
    const msg = parseBusMessage(raw);
    if (!msg) return;
    if (msg.t === 'ack' || msg.f === this.id) {
      // An ack from another instance, or our own message coming back: either way one receiver is done.
      if (msg.t === 'ack' && channel !== this.ackChannel) return;
      const w = msg.id ? this.waiting.get(msg.id) : undefined;
      if (w && ++w.got >= w.need) w.done();
      return;
    }
    if (msg.t === 'fill') {
      for (const key of msg.k ?? []) this.listener.filled(key);
      return;
    }
    if (msg.ts !== undefined) this.stats.delivery(wallClock() - msg.ts);
    if (msg.e !== undefined) this.adopt(msg.e);
    if (msg.k) this.listener.keys(msg.k);
    if (msg.g) this.listener.tags(msg.g);
    // Applied synchronously above: only now may the writer's call return.
    const ack: BusMessage = { t: 'ack', id: msg.id, f: this.id };
    this.send(this.keys.ackChannel(msg.f), JSON.stringify(ack)).catch(() => undefined);
  }

  private adopt(epoch: number): void {
    if (epoch <= this.epoch) return;
    this.epoch = epoch;
    this.listener.epoch(epoch);
  }

  private lost(): void {
    clearTimeout(this.retry);
    if (this.state === 'down') return;
    this.state = 'down';
    this.logger.warn('cache bus lost: serving L1 and the source until Redis is back');
  }

  /** After (re)subscribing: a fresh instance reads the epoch; one that may have missed messages moves it. */
  private async sync(): Promise<void> {
    this.state = 'syncing';
    try {
      if (this.everUp || this.dirty) {
        this.adopt(await this.redis.incr(this.keys.epoch));
        this.stats.resync();
        await this.publish({ e: this.epoch });
      } else {
        this.adopt(Number((await this.redis.get(this.keys.epoch)) ?? 0));
        // Whatever L1 gathered before the first subscription may have missed invalidations.
        this.listener.epoch(this.epoch);
      }
      if (this.state !== 'syncing') return;
      this.dirty = false;
      this.state = 'up';
      this.logger.log(`cache bus ${this.everUp ? 'back' : 'up'} (epoch ${this.epoch}, instance ${this.id})`);
      this.everUp = true;
      for (const done of this.upWaiters) done();
      this.upWaiters.clear();
    } catch (err) {
      this.logger.debug(`cache bus sync failed: ${(err as Error).message}`);
      if (this.state === 'syncing') this.scheduleSync(200);
    }
  }

  private scheduleSync(ms: number): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (this.state !== 'down') void this.sync();
    }, ms);
  }
}
