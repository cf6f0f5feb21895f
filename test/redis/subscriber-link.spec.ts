// SubscriberLink: the instance's one subscriber connection, shared by several owners (plain and sharded
// channels), and its reconnect-and-resubscribe behaviour after every server of the deployment restarts.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { redisOptionsFromEnv } from '../../src/config/app.config.js';
import { RedisConnection } from '../../src/platform/redis/redis.connection.js';
import type { Subscription } from '../../src/platform/redis/redis.subscriber-link.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';

/** An owner's view: messages received and up/down transitions, in order. */
function recorder() {
  const events: string[] = [];
  const messages: Array<[string, string]> = [];
  return {
    events,
    messages,
    handlers: {
      up: () => events.push('up'),
      down: () => events.push('down'),
      message: (channel: string, payload: string) => messages.push([channel, payload]),
    },
  };
}

/** Ports of every server of the deployment, for CLIENT LIST. */
function ports(env: Record<string, string>): number[] {
  if (env.REDIS_CLUSTER_NODES) return env.REDIS_CLUSTER_NODES.split(',').map((n) => Number(n.split(':')[1]));
  return [];
}

describeEachTopology('SubscriberLink', (redis, topology) => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  let connection: RedisConnection;
  let publisher: Redis | Cluster;
  const plainA = recorder();
  const plainB = recorder();
  const sharded = recorder();
  let subA: Subscription;
  let subB: Subscription;
  let subS: Subscription;
  // Both sharded channels share a slot (hash tag), as the cache bus's do.
  const bus = `${prefix}:cache:{bus}`;
  const ack = `${prefix}:cache:{bus}:ack`;

  /** Publishes until `rec` has the message (a publish racing a resubscription may be missed). */
  async function deliver(rec: ReturnType<typeof recorder>, channel: string, viaShard: boolean) {
    const payload = `p${randomBytes(4).toString('hex')}`;
    await waitUntil(
      async () => {
        if (viaShard && publisher instanceof Cluster) await publisher.spublish(channel, payload);
        else await publisher.publish(channel, payload);
        return rec.messages.some(([c, p]) => c === channel && p === payload);
      },
      { timeoutMs: 15_000, intervalMs: 100, message: `${channel} never delivered ${payload}` },
    );
  }

  /** The connections in subscriber mode named like the link's, over every server. */
  async function linkConnections(): Promise<number> {
    const clients =
      publisher instanceof Cluster
        ? ports(redis().env).map((port) => new Redis({ port, host: '127.0.0.1', lazyConnect: true }))
        : [publisher];
    let n = 0;
    for (const c of clients) {
      if (c !== publisher) await (c as Redis).connect();
      const list = String(await (c as Redis).call('CLIENT', 'LIST'));
      n += list.split('\n').filter((l) => l.includes('name=nest-redis-platform-subscriber')).length;
      if (c !== publisher) c.disconnect();
    }
    return n;
  }

  beforeAll(async () => {
    connection = new RedisConnection();
    await connection.init({
      ...redisOptionsFromEnv({ ...redis().env, NODE_ENV: 'test' }),
      keyPrefix: prefix,
    });
    publisher = redis().client();
    subA = connection.subscriber.subscribe([`${prefix}:a`], plainA.handlers, { reconnectMaxDelayMs: 200 });
    subB = connection.subscriber.subscribe([`${prefix}:b1`], plainB.handlers);
    // On Cluster the sharded owner arrives after the plain ones: the link moves to the slot's owner.
    subS = connection.subscriber.subscribe([bus, ack], sharded.handlers, { sharded: true });
    expect(await subA.ready(10_000)).toBe(true);
    expect(await subB.ready(10_000)).toBe(true);
    expect(await subS.ready(10_000)).toBe(true);
  }, 30_000);

  afterAll(async () => {
    await connection?.onApplicationShutdown();
    publisher?.disconnect();
  });

  it('carries every owner on one connection and delivers each channel to its owner only', async () => {
    expect(subS.sharded).toBe(topology === 'cluster');
    await deliver(plainA, `${prefix}:a`, false);
    await deliver(plainB, `${prefix}:b1`, false);
    await deliver(sharded, bus, true);
    await deliver(sharded, ack, true);
    expect(plainA.messages.every(([c]) => c === `${prefix}:a`)).toBe(true);
    expect(sharded.messages.every(([c]) => c === bus || c === ack)).toBe(true);
    expect(connection.subscriber.connections).toBe(1);
    expect(await linkConnections()).toBe(1);
  });

  it('subscribes a channel added later on the live connection', async () => {
    await subB.add(`${prefix}:b2`);
    await deliver(plainB, `${prefix}:b2`, false);
    expect(await linkConnections()).toBe(1);
  });

  it('after every server restarts: each owner hears down, then up, and every channel is subscribed again', async () => {
    for (const rec of [plainA, plainB, sharded]) rec.events.length = 0;
    await redis().restart();
    for (const [rec, sub] of [
      [plainA, subA],
      [plainB, subB],
      [sharded, subS],
    ] as const) {
      await waitUntil(() => sub.up && rec.events.join(',').startsWith('down,up'), {
        timeoutMs: 30_000,
        message: () => `events: ${rec.events.join(',')}`,
      });
    }
    await deliver(plainA, `${prefix}:a`, false);
    await deliver(plainB, `${prefix}:b1`, false);
    await deliver(plainB, `${prefix}:b2`, false);
    await deliver(sharded, bus, true);
    expect(await linkConnections()).toBe(1);
  }, 90_000);

  it('a sharded owner that arrives after the connection is up moves it to the slot owner', async () => {
    const late = new RedisConnection();
    await late.init({ ...redisOptionsFromEnv({ ...redis().env, NODE_ENV: 'test' }), keyPrefix: prefix });
    try {
      const first = recorder();
      const second = recorder();
      const plain = late.subscriber.subscribe([`${prefix}:late-a`], first.handlers);
      expect(await plain.ready(10_000)).toBe(true);
      const shardedLate = late.subscriber.subscribe([`${prefix}:{late}`], second.handlers, { sharded: true });
      expect(await shardedLate.ready(10_000)).toBe(true);
      await deliver(second, `${prefix}:{late}`, true);
      await deliver(first, `${prefix}:late-a`, false);
      expect(late.subscriber.connections).toBe(1);
    } finally {
      await late.onApplicationShutdown();
    }
  });

  it('closing the last owner closes the connection', async () => {
    await subA.close();
    await subB.close();
    expect(connection.subscriber.connections).toBe(1);
    await subS.close();
    expect(connection.subscriber.connections).toBe(0);
  });
});
